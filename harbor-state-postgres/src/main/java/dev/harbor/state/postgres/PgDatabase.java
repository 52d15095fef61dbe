package dev.harbor.state.postgres;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.spi.StoreGuard;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * Runs the store's SQL on pooled connections: borrows (bounded by the pool's connection timeout,
 * which is operationTimeout), prepares each physical connection once, runs a unit of work in
 * autocommit or in one transaction, and decides what a failure means.
 *
 * <p>Retries are internal and bounded by the attempt count and the call's operationTimeout: a
 * connection found broken (the server restarted or terminated it) is retried on a fresh one when
 * that cannot apply a write twice; a deadlock or serialization failure (rolled back by the server)
 * is retried; and work may ask for a rerun ({@link Rerun}) when it observed a concurrent commit it
 * could not classify.
 */
final class PgDatabase {

  /** How a unit of work runs. */
  enum Mode {
    /** Autocommit, read-only: always safe to retry. */
    READ,
    /** One autocommit write that is idempotent (same event id, same content): safe to retry. */
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

  /** Thrown by work to run again from the start, in a fresh transaction and snapshot. */
  static final class Rerun extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Rerun() {
      super("rerun", null, false, false);
    }
  }

  private static final int MAX_ATTEMPTS = 8;

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
   * wait by operationTimeout (SPEC 4.13), and pin READ COMMITTED, which the single-statement save
   * and the advisory locking rely on whatever the server's default_transaction_isolation is.
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
    int attempt = 0;
    while (true) {
      attempt++;
      Attempt state = new Attempt();
      try {
        return attempt(mode, work, state);
      } catch (Rerun rerun) {
        if (attempt >= MAX_ATTEMPTS || System.nanoTime() - deadline > 0) {
          throw new StorageException(
              what.get() + " gave up after " + attempt + " attempts under concurrent changes",
              true,
              null);
        }
      } catch (SQLException e) {
        if (guard.isClosed()) {
          throw new StoreClosedException("the postgres store was closed during " + what.get(), e);
        }
        if (Thread.currentThread().isInterrupted()) {
          throw new OperationCancelledException(
              "the calling thread was interrupted during " + what.get(), e);
        }
        boolean broken = PgErrors.isBrokenConnection(e);
        if (broken) {
          evictAll();
        }
        // A unique violation on the event id is not retried: the other write committed, the id is
        // live in another
        // slot, and the call is a conflict.
        boolean again =
            state.retryable
                && attempt < MAX_ATTEMPTS
                && System.nanoTime() - deadline < 0
                && ((broken && (mode != Mode.TRANSACTION || !state.commitSent))
                    || PgErrors.isContention(e));
        if (!again) {
          boolean commitUnknown =
              state.commitSent && mode != Mode.READ && mode != Mode.READ_ONLY_TRANSACTION;
          throw PgErrors.map(e, what.get(), commitUnknown);
        }
      }
    }
  }

  private <T> T attempt(Mode mode, Work<T> work, Attempt state) throws SQLException {
    Connection c = borrow();
    try {
      if (mode == Mode.READ || mode == Mode.IDEMPOTENT_WRITE) {
        // An autocommit write is its own commit: once sent, a broken connection leaves its outcome
        // unknown.
        state.commitSent = mode == Mode.IDEMPOTENT_WRITE;
        return work.run(c, state);
      }
      c.setAutoCommit(false);
      boolean ended = false;
      try {
        T result = work.run(c, state);
        if (mode == Mode.READ_ONLY_TRANSACTION) {
          c.rollback();
        } else {
          state.commitSent = true;
          c.commit();
        }
        ended = true;
        return result;
      } finally {
        if (!ended) {
          rollbackQuietly(c);
        }
        restoreAutoCommit(c);
      }
    } finally {
      closeQuietly(c);
    }
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
    Object physical = c.isWrapperFor(PGConnection.class) ? c.unwrap(PGConnection.class) : c;
    synchronized (prepared) {
      if (prepared.containsKey(physical)) {
        return;
      }
    }
    try (Statement s = c.createStatement()) {
      s.execute(sessionSetup);
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

  private static void restoreAutoCommit(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      // As above: a broken connection is evicted by the pool on return.
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
