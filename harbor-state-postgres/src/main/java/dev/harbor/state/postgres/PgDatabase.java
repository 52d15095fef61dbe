package dev.harbor.state.postgres;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.postgres.PgErrors.Failure;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
 * as {@link #decide} says.
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

  /** Where a call's commit stood when an attempt failed. */
  enum Commit {
    /** Nothing was sent that could take effect. */
    NOT_SENT,
    /** This attempt sent its commit (a write: its COMMIT; a fence: it started the action). */
    SENT
  }

  /** What to do after an attempt failed. */
  enum Decision {
    /** Run the work again, on a fresh connection. */
    RETRY,
    /** The commit broke in flight: ask the server what became of it ({@link Settled}). */
    RESOLVE,
    /** Report the failure: the call changed nothing (or, for a fence, wrote nothing). */
    FAIL,
    /** Report that a commit was sent and its outcome is unknown. */
    OUTCOME_UNKNOWN
  }

  /** What the server says became of a transaction whose commit broke in flight. */
  enum Settled {
    /** It committed: the write took effect. */
    COMMITTED,
    /** It was rolled back: nothing took effect. */
    ABORTED,
    /** Not decided yet (its COMMIT may still be on its way, or its backend still running). */
    IN_PROGRESS,
    /** The server cannot tell, or cannot be trusted to (another server run). */
    UNKNOWN
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
    private @Nullable String xid;

    private @Nullable String incarnation;

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

  /** The transaction status and the incarnation check of {@link #resolve}. */
  private static final String STATUS =
      "SELECT pg_xact_status(CAST(? AS xid8)), " + PgLocalSettings.INCARNATION + " = ?";

  /** The longest pause between two questions about a transaction still in progress. */
  private static final long MAX_RESOLVE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** The server version the store needs: pg_current_xact_id and pg_xact_status are 13's. */
  static final int MIN_SERVER_VERSION = 130000;

  private static final int MAX_ATTEMPTS = 8;

  /** pgjdbc's own default prepareThreshold. */
  private static final int PGJDBC_DEFAULT_THRESHOLD = 5;

  private static final Logger LOG = LoggerFactory.getLogger(PgDatabase.class);

  /**
   * How much longer than what is left of operationTimeout a socket read may wait: the server ends a
   * statement at statement_timeout and its answer needs a moment to arrive; past this grace the
   * server is taken to be gone.
   */
  private static final long SOCKET_GRACE_MILLIS = 1_000;

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

  /**
   * What to do after an attempt failed: a pure function of the work's mode, what the failure did to
   * the attempt, where the commit stood, and the attempts and time left.
   *
   * @param mode how the work runs
   * @param failure what the failure did to the attempt
   * @param commit where the call's commit stood
   * @param attemptsLeft attempts the call may still make
   * @param nanosLeft what is left of operationTimeout
   * @return the decision
   */
  static Decision decide(
      Mode mode, Failure failure, Commit commit, int attemptsLeft, long nanosLeft) {
    if (mode.writes() && commit == Commit.SENT && failure == Failure.BROKEN_CONNECTION) {
      // The commit may or may not have been applied: never run it again without knowing.
      return nanosLeft > 0 ? Decision.RESOLVE : Decision.OUTCOME_UNKNOWN;
    }
    boolean again =
        failure != Failure.OTHER
            && attemptsLeft > 0
            && nanosLeft > 0
            && switch (mode) {
              // A write's transaction that failed before its commit, or that the server rolled
              // back at its commit, changed nothing.
              case READ, TRANSACTION -> true;
              case FENCE -> commit == Commit.NOT_SENT; // the caller's action runs at most once
            };
    return again ? Decision.RETRY : Decision.FAIL;
  }

  /**
   * What the server's answer about a transaction means: a pure function of the status {@code
   * pg_xact_status} reported and whether the server still runs as it did for the transaction.
   *
   * @param status {@code committed}, {@code aborted}, {@code in progress}, or null (too old)
   * @param sameRun whether the server's incarnation is the transaction's
   * @return what became of the transaction
   */
  static Settled settled(@Nullable String status, boolean sameRun) {
    if (!sameRun || status == null) {
      return Settled.UNKNOWN;
    }
    return switch (status) {
      case "committed" -> Settled.COMMITTED;
      case "aborted" -> Settled.ABORTED;
      case "in progress" -> Settled.IN_PROGRESS;
      default -> Settled.UNKNOWN;
    };
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
   * Runs work, retrying as {@link #decide} says, mapping failures to the store's exceptions, for a
   * call that began earlier (a group commit's caller may have waited in the queue first): every
   * wait of every attempt, and the look-up of a commit whose answer was lost, ends by the call's
   * own deadline.
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
          decide(mode, failure, commit, MAX_ATTEMPTS - attempt, deadline - System.nanoTime());
      List<Exception> asked = new ArrayList<>();
      if (decision == Decision.RESOLVE) {
        Settled settled = resolve(state, deadline, MAX_ATTEMPTS - attempt, asked);
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
                ? decide(
                    mode,
                    failure,
                    Commit.NOT_SENT,
                    MAX_ATTEMPTS - attempt,
                    deadline - System.nanoTime())
                : Decision.OUTCOME_UNKNOWN;
        commit = settled == Settled.ABORTED ? Commit.NOT_SENT : commit;
      }
      logAttempt(decision, failure, attempt, what, error);
      switch (decision) {
        case RETRY, RESOLVE -> {}
        case FAIL ->
            throw mode == Mode.FENCE && state.sent
                ? fenceBroke(error, what.get())
                : failed(error, what.get(), commit == Commit.SENT);
        case OUTCOME_UNKNOWN -> throw outcomeUnknown(what.get(), (SQLException) error, asked);
      }
    }
  }

  /**
   * Asks the server, on fresh connections, what became of the transaction whose commit broke in
   * flight, until it knows or operationTimeout runs out.
   *
   * @param broken the attempt whose commit broke
   * @param deadline the call's deadline
   * @param attemptsLeft how many questions may fail (the server unreachable) before giving up, as
   *     attempts of the call would
   * @param asked collects why a question could not be answered, for the caller's exception
   * @return committed, aborted or unknown (never in progress)
   */
  private Settled resolve(Attempt broken, long deadline, int attemptsLeft, List<Exception> asked) {
    String xid = broken.xid;
    String incarnation = broken.incarnation;
    if (xid == null || incarnation == null) {
      return Settled.UNKNOWN;
    }
    long pause = TimeUnit.MILLISECONDS.toNanos(1);
    while (true) {
      Settled settled;
      try {
        settled =
            attempt(
                Mode.READ,
                PgScope.ALL, // reads no row: pg_xact_status of the store's own transaction
                (c, a) -> statusOf(c, xid, incarnation),
                new Attempt(),
                deadline);
      } catch (SQLException e) {
        asked.add(e);
        if (PgErrors.failure(e) == Failure.OTHER || asked.size() > attemptsLeft) {
          return Settled.UNKNOWN; // such as "transaction ID is in the future": another server
        }
        settled = Settled.IN_PROGRESS; // the server cannot be reached yet: ask again
      } catch (StateStoreException e) {
        asked.add(e); // the store closed, or the caller was interrupted: stop asking
        return Settled.UNKNOWN;
      }
      if (settled != Settled.IN_PROGRESS) {
        return settled;
      }
      if (deadline - System.nanoTime() <= pause) {
        return Settled.UNKNOWN;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the caller's: kept, and the outcome stays unknown
        return Settled.UNKNOWN;
      }
      pause = Math.min(2 * pause, MAX_RESOLVE_PAUSE_NANOS);
    }
  }

  private static Settled statusOf(Connection c, String xid, String incarnation)
      throws SQLException {
    try (PreparedStatement p = c.prepareStatement(STATUS)) {
      p.setString(1, xid);
      p.setString(2, incarnation);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return settled(rs.getString(1), rs.getBoolean(2));
      }
    }
  }

  /**
   * DEBUG for each retry; WARN when a failure that a retry could have cured ends the call because
   * attempts or time ran out. (An unknown outcome is warned of once, by the store's call log.) The
   * reason is the server's first line and SQLSTATE: never a payload or a password.
   */
  private static void logAttempt(
      Decision decision, Failure failure, int attempt, Supplier<String> what, Exception error) {
    if (decision == Decision.RETRY && LOG.isDebugEnabled()) {
      LOG.debug("retrying {} after attempt {}: {}", what.get(), attempt, reason(error));
    } else if (decision == Decision.FAIL && failure != Failure.OTHER) {
      LOG.warn("giving up on {} after {} attempts: {}", what.get(), attempt, reason(error));
    }
  }

  private static String reason(Exception error) {
    return error instanceof SQLException e
        ? PgErrors.reason(e)
        : String.valueOf(error.getMessage());
  }

  /** The exception for a call that failed with a known outcome. */
  private StateStoreException failed(Exception error, String what, boolean sent) {
    if (error instanceof StateStoreException answer) {
      return answer;
    }
    SQLException e = (SQLException) error;
    // A wait for a connection ends in an SQLException when the caller is interrupted or the store
    // closes meanwhile: say so, since nothing was sent.
    if (!sent && context.isClosed()) {
      return new StoreClosedException("the postgres store was closed during " + what, e);
    }
    if (!sent && Thread.currentThread().isInterrupted()) {
      return new OperationCancelledException(
          "the calling thread was interrupted during " + what, e);
    }
    return PgErrors.map(e, what);
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
      LOG.debug("a fence's action closed its store; its rollback reported: {}", reason(e));
    }
  }

  /**
   * The exception for a fence whose connection broke after its action started: the action ran,
   * once, but the server may have released the fence's lock before the action ended. Not transient:
   * a retry would run the action a second time (CONTRACT.md 4.7, 4.13).
   */
  private static StorageException fenceBroke(Exception error, String what) {
    return new StorageException(
        what
            + ": the action ran once, but the connection holding the fence broke, so the fence may"
            + " have ended before the action did ("
            + reason(error)
            + ")",
        false,
        error);
  }

  private static CommitOutcomeUnknownException outcomeUnknown(
      String what, SQLException brokenCommit, List<Exception> asked) {
    CommitOutcomeUnknownException unknown = PgErrors.outcomeUnknown(brokenCommit, what);
    for (Exception e : asked) {
      unknown.addSuppressed(e); // why the server could not tell what became of the commit
    }
    return unknown;
  }

  private <T> T attempt(Mode mode, PgScope scope, Work<T> work, Attempt state, long deadline)
      throws SQLException {
    Connection c = borrow();
    long waitMillis = waitMillis(deadline);
    if (waitMillis <= 0) {
      // The call's time ran out before anything was sent (say, waiting for the pool).
      closeQuietly(c);
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
      closeQuietly(c);
      throw e;
    }
    try {
      boundSocketReads(c, waitMillis);
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
          rollbackQuietly(c);
        }
      }
    } finally {
      pg.setPrepareThreshold(prepareThreshold);
      restore(c, autoCommit, networkTimeout);
      closeQuietly(c);
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
   * Bounds each socket read of this attempt by what it may wait (plus a grace), so a server that
   * vanished without closing the socket cannot hold the call much past it, while a statement or a
   * lock wait that the server ends at its timeout reports that, not a broken connection.
   */
  private static void boundSocketReads(Connection c, long waitMillis) throws SQLException {
    c.setNetworkTimeout(
        Runnable::run, (int) Math.min(Integer.MAX_VALUE, waitMillis + SOCKET_GRACE_MILLIS));
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
      closeQuietly(c);
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

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      // The connection is broken; the server rolls the transaction back when it notices, and the
      // pool evicts it.
    }
  }

  /** Gives the connection back as it was lent: its autocommit mode and socket timeout. */
  private static void restore(Connection c, boolean autoCommit, int networkTimeout) {
    try {
      if (c.getAutoCommit() != autoCommit) {
        c.setAutoCommit(autoCommit);
      }
      c.setNetworkTimeout(Runnable::run, networkTimeout);
    } catch (SQLException e) {
      // The connection is broken: the pool evicts it on return.
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // Returning a connection to the pool failed: the pool discards it; the work's outcome stands.
    }
  }
}
