package dev.harbor.state.postgres;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.postgres.PgErrors.Failure;
import dev.harbor.state.postgres.PgRetryPolicy.Commit;
import dev.harbor.state.postgres.PgRetryPolicy.Decision;
import dev.harbor.state.postgres.PgRetryPolicy.Settled;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreErrors;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the store's SQL on pooled connections: borrows (bounded by the pool's connection timeout,
 * which is operationTimeout), runs a unit of work in autocommit or in one transaction, and retries
 * as {@link PgRetryPolicy#decide} says.
 *
 * <p>Nothing is left on a database session, so the store works through a transaction pooler such as
 * PgBouncer (issue 14): each unit of work's timeouts and isolation are local to its own transaction
 * ({@link PgLocalSettings}), its locks are transaction-scoped advisory locks, and its statements
 * are server-side prepared ones only on a connection known to be pinned to one server backend
 * ({@link #learnDefaults}). Behind a transaction pooler a named statement lives on one server
 * connection while the client's next transaction may run on another, where the same name can mean
 * another client's statement (PgBouncer before 1.21 does not track them).
 *
 * <p>Every unit of work sets the autocommit mode it needs and restores the connection's own
 * afterwards, so a borrowed pool whose connections default to {@code autoCommit=false} (common
 * under Spring and Hibernate) rolls back none of the store's writes (issue 10, defect 2).
 *
 * <p>Retries are internal and bounded by the attempt count and the call's operationTimeout, which
 * also bounds each attempt's socket reads: a connection found broken (the server restarted or
 * terminated it) is retried on a fresh one when that cannot apply a write twice, and a deadlock or
 * serialization failure (rolled back by the server) is retried.
 *
 * <p>A write never runs again blindly once its commit was sent (issue 23, defect 1). Every write is
 * a transaction whose first round trip also learns its id ({@link PgLocalSettings#scopeWrite}) and
 * whose commit is a round trip of its own, so when the connection breaks while the commit is in
 * flight the store asks the server, on a fresh connection, what became of that transaction ({@code
 * pg_xact_status}): committed, and the call succeeds — the write took effect at its commit, inside
 * the call, whatever other writers did to the slot since (running it again could erase a newer
 * acknowledged write); rolled back, and it runs again as if the commit had never been sent; still
 * in progress, and it asks again; otherwise (the server cannot be reached within operationTimeout,
 * forgot the transaction, or is not the server run that ran it) the caller gets {@link
 * CommitOutcomeUnknownException}. A write whose connection broke before its commit was sent changed
 * nothing, whatever its statements did: without a commit the server rolls them back.
 */
final class PgDatabase {

  /** How a unit of work runs, which decides what may be run again. */
  enum Mode {
    /** Autocommit, reads only. */
    READ,
    /**
     * One transaction, committed at the end in a round trip of its own; its id is learned first
     * (see the class comment).
     */
    TRANSACTION,
    /**
     * One transaction that holds its locks while the caller's action runs, then is rolled back (it
     * wrote nothing). The action runs at most once: starting it counts as the attempt's commit
     * ({@link Attempt#actionStarts()}).
     */
    FENCE;

    boolean writes() {
      return this == TRANSACTION;
    }
  }

  /** A unit of work on one connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection, Attempt attempt) throws SQLException;
  }

  /** A unit of work on one connection that has no result. */
  @FunctionalInterface
  interface Step {
    void run(Connection connection, Attempt attempt) throws SQLException;
  }

  /** The state of one attempt: what a fence's work marks, and what a write learns. */
  static final class Attempt {
    private boolean sent;

    /** A write's transaction id and the server run it ran in, once its first statement ran. */
    @Nullable String xid;

    @Nullable String incarnation;

    /** The work's result, kept while its commit is in flight. */
    private @Nullable Object result;

    /** The caller's action starts: from now on a failure is final, so it runs at most once. */
    void actionStarts() {
      sent = true;
    }

    private void identified(String xid, String incarnation) {
      this.xid = xid;
      this.incarnation = incarnation;
    }
  }

  /** The server version the store needs: pg_current_xact_id and pg_xact_status are 13's. */
  static final int MIN_SERVER_VERSION = 130000;

  private static final int MAX_ATTEMPTS = 8;

  /** pgjdbc's own default prepareThreshold. */
  private static final int PGJDBC_DEFAULT_THRESHOLD = 5;

  private static final Logger LOG = LoggerFactory.getLogger(PgDatabase.class);

  /** The largest step by which a late call's statement and lock timeouts are rounded up. */
  private static final long WAIT_STEP_MILLIS = 100;

  private final DataSource dataSource;
  private final @Nullable HikariDataSource ownPool;
  private final StoreContext context;
  private final long timeoutNanos;
  private final Duration operationTimeout;

  /** Replaced once at open, after the server's default isolation is known. */
  private volatile PgLocalSettings local;

  /**
   * pgjdbc's prepareThreshold while a unit of work holds a connection, or -1 to leave the
   * connection's own; decided once at open ({@link #learnDefaults}).
   */
  private volatile int workThreshold = 0;

  PgDatabase(
      DataSource dataSource,
      @Nullable HikariDataSource ownPool,
      StoreContext context,
      Duration operationTimeout) {
    this.dataSource = dataSource;
    this.ownPool = ownPool;
    this.context = context;
    this.timeoutNanos = operationTimeout.toNanos();
    this.operationTimeout = operationTimeout;
    this.local = PgLocalSettings.forDefaultIsolation(operationTimeout, true);
  }

  /**
   * Learns at open, on one connection, what the store's work may rely on.
   *
   * <p>The server's default isolation: statements that run in autocommit rely on it being READ
   * COMMITTED, and pin it themselves where it is not ({@link PgLocalSettings}).
   *
   * <p>Whether the connection is pinned to one server backend: the backend id the server reports
   * ({@code pg_backend_pid()}) is the one the connection was given at login (its cancel key data).
   * A pooler answers the login itself with a key of its own (PgBouncer: random), so behind one the
   * two differ. Pinned, the work uses server-side prepared statements as pgjdbc does by default
   * (measured here: primary-key loads about twice as fast as unprepared); otherwise only unnamed
   * ones.
   *
   * @param c a connection in autocommit mode
   * @param ownThreshold the prepareThreshold the location gave the store's own pool, or -1 if none
   *     (its connections then start at 0 and the work uses pgjdbc's default on a pinned
   *     connection); ignored for a borrowed pool
   * @throws SQLException on a database failure
   */
  void learnDefaults(Connection c, int ownThreshold) throws SQLException {
    try (Statement s = c.createStatement();
        java.sql.ResultSet rs =
            s.executeQuery(
                "SELECT current_setting('transaction_isolation'), pg_backend_pid(),"
                    + " CAST(current_setting('server_version_num') AS integer)")) {
      rs.next();
      if (rs.getInt(3) < MIN_SERVER_VERSION) {
        throw new StorageException(
            "the postgres store needs PostgreSQL 13 or later; the server runs version "
                + rs.getInt(3),
            false,
            null);
      }
      local =
          PgLocalSettings.forDefaultIsolation(
              operationTimeout, "read committed".equals(rs.getString(1)));
      boolean pinned = rs.getInt(2) == c.unwrap(PGConnection.class).getBackendPID();
      if (ownPool != null && ownThreshold >= 0) {
        workThreshold = -1; // the operator chose (say, for PgBouncer 1.21+ max_prepared_statements)
      } else if (pinned) {
        workThreshold = ownPool != null ? PGJDBC_DEFAULT_THRESHOLD : -1;
      } else {
        workThreshold = 0;
      }
    }
  }

  /**
   * Whether the store's work uses server-side prepared statements, as decided at open.
   *
   * @return {@code false} behind a pooler
   */
  boolean prepares() {
    return workThreshold != 0;
  }

  /**
   * A view of a connection whose statements carry the operation's transaction-local settings (for
   * work outside {@link #call}: the migrations at open).
   *
   * @param c a connection from {@link #borrow()}
   * @return the view
   */
  Connection scoped(Connection c) {
    return local.scope(c);
  }

  /** Runs a step as {@link #call} runs work. */
  void run(Mode mode, PgScope scope, Supplier<String> what, Step step) {
    run(mode, scope, deadline(), what, step);
  }

  /** Runs a step as {@link #call(Mode, PgScope, long, Supplier, Work)} runs work. */
  void run(Mode mode, PgScope scope, long deadline, Supplier<String> what, Step step) {
    call(
        mode,
        scope,
        deadline,
        what,
        (c, a) -> {
          step.run(c, a);
          return Boolean.TRUE; // no result; call's work must return one
        });
  }

  /**
   * The deadline of a call that starts now: operationTimeout from now, as {@link System#nanoTime()}
   * reads.
   *
   * @return the deadline
   */
  long deadline() {
    return System.nanoTime() + timeoutNanos;
  }

  <T> T call(Mode mode, PgScope scope, Supplier<String> what, Work<T> work) {
    return call(mode, scope, deadline(), what, work);
  }

  /**
   * Runs work, retrying as {@link PgRetryPolicy#decide} says, mapping failures to the store's
   * exceptions, for a call that began earlier (a group commit's caller may have waited in the queue
   * first): every wait of every attempt, and the look-up of a commit whose answer was lost, ends by
   * the call's own deadline.
   *
   * @param mode how to run it
   * @param scope the tenants whose rows the work reads and writes (row-level security)
   * @param deadline when the call must end, as {@link System#nanoTime()} reads
   * @param what what is being done, for messages (built only when one is needed)
   * @param work the work
   * @return the work's result
   */
  <T> T call(Mode mode, PgScope scope, long deadline, Supplier<String> what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      Attempt state = new Attempt();
      Exception error;
      Failure failure;
      try {
        return attempt(mode, scope, work, state, deadline);
      } catch (SQLException e) {
        error = e;
        failure = PgErrors.failure(e);
      } catch (StateStoreException e) {
        error = e; // the work's own answer (a conflict, a failed condition), or the caller stopped
        failure = Failure.OTHER;
      }
      if (failure == Failure.BROKEN_CONNECTION) {
        evictAll();
      }
      Commit commit = state.sent ? Commit.SENT : Commit.NOT_SENT;
      Decision decision =
          PgRetryPolicy.decide(
              mode, failure, commit, MAX_ATTEMPTS - attempt, deadline - System.nanoTime());
      List<Exception> asked = new ArrayList<>();
      if (decision == Decision.RESOLVE) {
        Settled settled =
            PgCommitResolver.resolve(this, state, deadline, MAX_ATTEMPTS - attempt, asked);
        if (LOG.isDebugEnabled()) {
          LOG.debug("the commit of {} broke in flight; the server says: {}", what.get(), settled);
        }
        if (settled == Settled.COMMITTED) {
          @SuppressWarnings("unchecked") // what this attempt's work returned before its commit
          T result = (T) Objects.requireNonNull(state.result, "the work's result");
          return result;
        }
        // Rolled back: as if the commit had never been sent.
        decision =
            settled == Settled.ABORTED
                ? PgRetryPolicy.decide(
                    mode,
                    failure,
                    Commit.NOT_SENT,
                    MAX_ATTEMPTS - attempt,
                    deadline - System.nanoTime())
                : Decision.OUTCOME_UNKNOWN;
        commit = settled == Settled.ABORTED ? Commit.NOT_SENT : commit;
      }
      PgCallErrors.logAttempt(decision, failure, attempt, what, error);
      switch (decision) {
        case RETRY, RESOLVE -> {}
        case FAIL ->
            throw mode == Mode.FENCE && state.sent
                ? PgCallErrors.fenceBroke(error, what.get())
                : PgCallErrors.failed(context, error, what.get(), commit == Commit.SENT);
        case OUTCOME_UNKNOWN ->
            throw PgCallErrors.outcomeUnknown(what.get(), (SQLException) error, asked);
      }
    }
  }

  /**
   * Ends a fence whose action has run by rolling its transaction back (it wrote nothing). When the
   * action closed its own store, the pool's close has already ended the connection and with it the
   * fence, after the fence held for all the action needed: nothing is left to report.
   */
  private void endFence(Connection c) throws SQLException {
    try {
      c.rollback();
    } catch (SQLException e) {
      if (!context.isClosed()) {
        throw e;
      }
      LOG.debug(
          "a fence's action closed its store; its rollback reported: {}", PgCallErrors.reason(e));
    }
  }

  <T> T attempt(Mode mode, PgScope scope, Work<T> work, Attempt state, long deadline)
      throws SQLException {
    Connection c = borrow();
    long waitMillis = waitMillis(deadline);
    if (waitMillis <= 0) {
      // The call's time ran out before anything was sent (say, waiting for the pool).
      PgConnections.closeQuietly(c);
      throw StoreErrors.timedOut(operationTimeout, "a connection of " + context.where());
    }
    boolean autoCommit;
    int networkTimeout;
    PGConnection pg;
    int prepareThreshold;
    try {
      autoCommit = c.getAutoCommit();
      networkTimeout = c.getNetworkTimeout();
      pg = c.unwrap(PGConnection.class);
      prepareThreshold = pg.getPrepareThreshold();
    } catch (SQLException | RuntimeException e) {
      PgConnections.closeQuietly(c);
      throw e;
    }
    try {
      PgConnections.boundSocketReads(c, waitMillis);
      int threshold = workThreshold;
      if (threshold >= 0) {
        pg.setPrepareThreshold(threshold);
      }
      PgLocalSettings settings = settingsFor(waitMillis);
      if (mode == Mode.READ) {
        if (!autoCommit) {
          c.setAutoCommit(true);
        }
        return work.run(settings.scope(c, scope), state);
      }
      if (autoCommit) {
        c.setAutoCommit(false);
      }
      Connection view =
          mode.writes()
              ? settings.scopeWrite(c, scope, state::identified)
              : settings.scope(c, scope);
      boolean ended = false;
      try {
        T result = work.run(view, state);
        if (mode == Mode.FENCE) {
          endFence(c);
        } else {
          // JDBC reads do not notice interrupts: one that arrived while the writes ran is honoured
          // here, where the transaction can still be rolled back.
          context.checkOpen();
          state.result = result;
          state.sent = true;
          c.commit();
        }
        ended = true;
        return result;
      } finally {
        if (!ended) {
          PgConnections.rollbackQuietly(c);
        }
      }
    } finally {
      pg.setPrepareThreshold(prepareThreshold);
      PgConnections.restore(c, autoCommit, networkTimeout);
      PgConnections.closeQuietly(c);
    }
  }

  /**
   * How long this attempt's statements and lock waits may take: what is left of the call's time,
   * rounded up to a step (a tenth of operationTimeout, at most 100 ms), so that a call that began
   * late (a group commit's caller promoted after waiting in the queue, a retry, a long wait for the
   * pool) waits no longer than its own deadline allows. A fresh call gets operationTimeout itself,
   * so its statements keep the one text (which carries the value) they are prepared with; a late
   * call's take one of a bounded set of texts.
   *
   * @return the milliseconds, or 0 if the call's time has run out
   */
  private long waitMillis(long deadline) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      return 0;
    }
    long full = Math.max(1, operationTimeout.toMillis());
    long step = Math.max(1, Math.min(WAIT_STEP_MILLIS, full / 10));
    long millis = (TimeUnit.NANOSECONDS.toMillis(left) / step + 1) * step;
    return Math.min(full, millis);
  }

  /** The transaction-local timeouts of an attempt that may wait this long. */
  private PgLocalSettings settingsFor(long waitMillis) {
    PgLocalSettings settings = local;
    return waitMillis >= operationTimeout.toMillis()
        ? settings
        : settings.withTimeout(Duration.ofMillis(waitMillis));
  }

  /**
   * A connection from the pool, for work outside {@link #call} (migrations at open).
   *
   * @return a connection in autocommit mode; the caller closes it
   * @throws SQLException if none can be had within the pool's timeout
   */
  Connection borrow() throws SQLException {
    context.checkOpen(); // a retry of a caller who was interrupted (or a store closed) meanwhile
    Connection c = dataSource.getConnection();
    try {
      context.checkOpen(); // closed or interrupted while waiting for the connection
      return c;
    } catch (RuntimeException e) {
      PgConnections.closeQuietly(c);
      throw e;
    }
  }

  /**
   * After one broken connection the others are suspect too (a restart or failover ends them all):
   * evict them, so the retry and later calls get fresh connections instead of finding the dead ones
   * one by one. Only for our own pool.
   */
  private void evictAll() {
    if (ownPool != null) {
      HikariPoolMXBean bean = ownPool.getHikariPoolMXBean();
      if (bean != null) {
        bean.softEvictConnections();
      }
    }
  }

  /** Closes the pool if the store owns it; a borrowed pool belongs to the application. */
  void close() {
    if (ownPool != null) {
      ownPool.close();
    }
  }
}
