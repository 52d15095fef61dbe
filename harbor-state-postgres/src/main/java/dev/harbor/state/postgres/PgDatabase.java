package dev.harbor.state.postgres;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.spi.StoreGuard;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Runs the store's SQL on pooled connections: borrows (bounded by the pool's connection timeout,
 * which is operationTimeout), prepares each physical connection once, runs a unit of work in
 * autocommit or in one transaction, and decides what a failure means.
 *
 * <p>Every unit of work sets the autocommit mode it needs and restores the connection's own
 * afterwards, so a borrowed pool whose connections default to {@code autoCommit=false} (common
 * under Spring and Hibernate) neither rolls back the store's writes nor its session setup (issue
 * 10, defect 2).
 *
 * <p>Retries are internal and bounded by the attempt count and the call's operationTimeout, which
 * also bounds each attempt's socket reads: a connection found broken (the server restarted or
 * terminated it) is retried on a fresh one when that cannot apply a write twice, and a deadlock or
 * serialization failure (rolled back by the server) is retried. Once an attempt's commit was sent
 * and its connection broke, the outcome stays unknown whatever later attempts meet.
 */
final class PgDatabase {

  /** How a unit of work runs. */
  enum Mode {
    /** Autocommit, read-only: always safe to retry. */
    READ,
    /**
     * Autocommit: one round trip that is one implicit transaction (its statements may be several,
     * sent together) and idempotent (same event id, same content): safe to retry.
     */
    IDEMPOTENT_WRITE,
    /** One transaction, committed at the end; retried only if the commit was never sent. */
    TRANSACTION,
    /**
     * One transaction, rolled back at the end (it wrote nothing); retried only before {@link
     * Attempt#noRetry()}.
     */
    READ_ONLY_TRANSACTION
  }

  /** A unit of work on one connection. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection, Attempt attempt) throws SQLException;
  }

  /** The state of one attempt, which work may mark. */
  static final class Attempt {
    private boolean retryable = true;
    private boolean commitSent;

    /** From now on a failure is final: the work has done something that must not happen twice. */
    void noRetry() {
      retryable = false;
    }
  }

  private static final int MAX_ATTEMPTS = 8;

  /**
   * How much longer than what is left of operationTimeout a socket read may wait: the server ends a
   * statement at statement_timeout and its answer needs a moment to arrive; past this grace the
   * server is taken to be gone.
   */
  private static final long SOCKET_GRACE_MILLIS = 1_000;

  private final DataSource dataSource;
  private final HikariDataSource ownPool;
  private final StoreGuard guard;
  private final long timeoutNanos;
  private final String sessionSetup;

  /**
   * Physical connections of a borrowed pool already set up; weak, so connections the pool retires
   * are forgotten.
   */
  private final Map<Object, Boolean> prepared = new WeakHashMap<>();

  PgDatabase(
      DataSource dataSource,
      HikariDataSource ownPool,
      StoreGuard guard,
      Duration operationTimeout) {
    this.dataSource = dataSource;
    this.ownPool = ownPool;
    this.guard = guard;
    this.timeoutNanos = operationTimeout.toNanos();
    // Our own pool runs the setup as Hikari's connectionInitSql; a borrowed pool's connections are
    // set up here.
    this.sessionSetup = ownPool == null ? sessionSetup(operationTimeout) : null;
  }

  /**
   * What runs once on each physical connection, in one round trip: bound every statement and lock
   * wait by operationTimeout (SPEC 4.13), and pin READ COMMITTED, which the statements and the
   * advisory locking rely on whatever the server's default_transaction_isolation is.
   *
   * @param operationTimeout the store's operationTimeout
   * @return the SQL
   */
  static String sessionSetup(Duration operationTimeout) {
    long millis = Math.max(1, operationTimeout.toMillis());
    return "SET statement_timeout = "
        + millis
        + "; SET lock_timeout = "
        + millis
        + "; SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED";
  }

  /**
   * Runs work with retries as its mode allows, mapping failures to the store's exceptions.
   *
   * @param mode how to run it
   * @param what what is being done, for messages (built only when one is needed)
   * @param work the work
   * @return the work's result
   */
  <T> T call(Mode mode, Supplier<String> what, Work<T> work) {
    long deadline = System.nanoTime() + timeoutNanos;
    SQLException unknownCommit = null; // an earlier attempt's commit that broke in flight
    for (int attempt = 1; ; attempt++) {
      Attempt state = new Attempt();
      try {
        return attempt(mode, work, state, deadline);
      } catch (SQLException e) {
        if (guard.isClosed()) {
          throw new StoreClosedException("the postgres store was closed during " + what.get(), e);
        }
        if (Thread.currentThread().isInterrupted() && unknownCommit == null && !state.commitSent) {
          throw new OperationCancelledException(
              "the calling thread was interrupted during " + what.get(), e);
        }
        boolean broken = PgErrors.isBrokenConnection(e);
        if (broken) {
          evictAll();
        }
        boolean writes = mode == Mode.IDEMPOTENT_WRITE || mode == Mode.TRANSACTION;
        if (broken && writes && state.commitSent && unknownCommit == null) {
          unknownCommit = e;
        }
        // A unique violation on the event id is not retried: the other write committed, the id is
        // live in another slot, and the call is a conflict.
        boolean again =
            state.retryable
                && attempt < MAX_ATTEMPTS
                && System.nanoTime() - deadline < 0
                && !Thread.currentThread().isInterrupted()
                && ((broken && (mode != Mode.TRANSACTION || !state.commitSent))
                    || PgErrors.isContention(e));
        if (!again) {
          throw unknownCommit == null
              ? PgErrors.map(e, what.get(), false)
              : outcomeUnknown(what.get(), unknownCommit, e);
        }
      } catch (StateStoreException e) {
        // A definite answer from a later attempt (a conflict, say) cannot be trusted once an
        // earlier attempt may have committed: that commit may be what the answer saw.
        if (unknownCommit != null && !(e instanceof StoreClosedException)) {
          throw outcomeUnknown(what.get(), unknownCommit, e);
        }
        throw e;
      }
    }
  }

  private static CommitOutcomeUnknownException outcomeUnknown(
      String what, SQLException brokenCommit, Exception last) {
    CommitOutcomeUnknownException unknown =
        (CommitOutcomeUnknownException) PgErrors.map(brokenCommit, what, true);
    if (last != brokenCommit) {
      unknown.addSuppressed(last);
    }
    return unknown;
  }

  private <T> T attempt(Mode mode, Work<T> work, Attempt state, long deadline) throws SQLException {
    Connection c = borrow();
    boolean autoCommit = c.getAutoCommit();
    int networkTimeout = c.getNetworkTimeout();
    try {
      boundSocketReads(c, deadline);
      if (mode == Mode.READ || mode == Mode.IDEMPOTENT_WRITE) {
        if (!autoCommit) {
          c.setAutoCommit(true);
        }
        // An autocommit write is its own commit: once sent, a broken connection leaves its outcome
        // unknown.
        state.commitSent = mode == Mode.IDEMPOTENT_WRITE;
        return work.run(c, state);
      }
      if (autoCommit) {
        c.setAutoCommit(false);
      }
      boolean ended = false;
      try {
        T result = work.run(c, state);
        if (mode == Mode.READ_ONLY_TRANSACTION) {
          c.rollback();
        } else {
          // JDBC reads do not notice interrupts: one that arrived while the writes ran is honoured
          // here, where the transaction can still be rolled back.
          guard.checkOpen();
          state.commitSent = true;
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
      restore(c, autoCommit, networkTimeout);
      closeQuietly(c);
    }
  }

  /**
   * Bounds each socket read of this attempt by what is left of operationTimeout (plus a grace), so
   * a server that vanished without closing the socket cannot hold the call much past it.
   */
  private static void boundSocketReads(Connection c, long deadline) throws SQLException {
    long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    c.setNetworkTimeout(
        Runnable::run, (int) Math.min(Integer.MAX_VALUE, left + SOCKET_GRACE_MILLIS));
  }

  /**
   * A prepared connection from the pool, for work outside {@link #call} (migrations at open).
   *
   * @return a connection in autocommit mode; the caller closes it
   * @throws SQLException if none can be had within the pool's timeout
   */
  Connection borrow() throws SQLException {
    Connection c = dataSource.getConnection();
    try {
      guard.checkOpen(); // closed or interrupted while waiting for the connection
      prepare(c);
      return c;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private void prepare(Connection c) throws SQLException {
    if (sessionSetup == null) {
      return;
    }
    // The setup is session state: made in autocommit, or a pool's autoCommit=false would leave it
    // in a transaction that is rolled back.
    Object physical = c.isWrapperFor(PGConnection.class) ? c.unwrap(PGConnection.class) : c;
    synchronized (prepared) {
      if (prepared.containsKey(physical)) {
        return;
      }
    }
    boolean autoCommit = c.getAutoCommit();
    if (!autoCommit) {
      c.setAutoCommit(true);
    }
    try (Statement s = c.createStatement()) {
      s.execute(sessionSetup);
    } finally {
      if (!autoCommit) {
        c.setAutoCommit(false);
      }
    }
    synchronized (prepared) {
      prepared.put(physical, Boolean.TRUE);
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
