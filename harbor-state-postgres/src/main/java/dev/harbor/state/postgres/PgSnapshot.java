package dev.harbor.state.postgres;

import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code REPEATABLE READ READ ONLY} transaction on one pooled connection, held for a snapshot
 * of the store ({@link dev.harbor.state.spi.StoreSnapshot}): every page reads the database as of
 * the transaction's first statement, which runs at open.
 *
 * <p>Timeouts: {@code statement_timeout} and {@code lock_timeout} are set to operationTimeout
 * locally to the transaction. Both bound each statement, so each page's read is bounded and the
 * snapshot's life is not (an export may take hours); so are the socket's reads (operationTimeout
 * plus a grace). A server's {@code idle_in_transaction_session_timeout}, if the operator set one,
 * still ends a snapshot whose reader pauses longer than it between pages.
 *
 * <p>Poolers: the snapshot is one transaction, which a transaction pooler (PgBouncer) keeps on one
 * server connection from {@code BEGIN} to {@code ROLLBACK}; nothing is set on the session. The
 * connection's prepareThreshold is 0 while the snapshot holds it (unnamed statements only), so no
 * named statement outlives the transaction on a server connection the pooler may hand to another
 * client.
 *
 * <p>Row-level security: every page's statement declares its own scope ({@link PgScope}: {@code
 * all} for scanAll, the tenant for scanKindForTenant), set locally to the transaction in the
 * statement's own round trip ({@link PgLocalSettings#inTransaction}), since one snapshot serves
 * both.
 *
 * <p>Costs: one connection of the store's pool for the snapshot's life, and a transaction whose age
 * keeps VACUUM from removing rows that died after it began. Once a read fails the transaction is
 * aborted and the snapshot spent. Used by one thread at a time (the core serializes a snapshot's
 * calls).
 */
final class PgSnapshot implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PgSnapshot.class);

  /** See {@link PgDatabase}'s: the server ends a statement at its timeout; its answer follows. */
  private static final long SOCKET_GRACE_MILLIS = 1_000;

  /** Read work in the snapshot's transaction. */
  @FunctionalInterface
  interface Query<T> {
    T run(Connection c) throws SQLException;
  }

  private final Connection connection;
  private final boolean autoCommit;
  private final int networkTimeout;
  private final int prepareThreshold;
  private @Nullable StateStoreException failed;

  private PgSnapshot(
      Connection connection, boolean autoCommit, int networkTimeout, int prepareThreshold) {
    this.connection = connection;
    this.autoCommit = autoCommit;
    this.networkTimeout = networkTimeout;
    this.prepareThreshold = prepareThreshold;
  }

  /**
   * Borrows a connection and begins the snapshot's transaction on it.
   *
   * @param db the store's database
   * @param operationTimeout bounds each statement and the wait for the connection
   * @return the open snapshot
   * @throws StateStoreException if no connection can be had or the transaction cannot begin
   */
  static PgSnapshot open(PgDatabase db, Duration operationTimeout) {
    Connection c;
    try {
      c = db.borrow();
    } catch (SQLException e) {
      if (Thread.currentThread().isInterrupted()) {
        // The pool's wait ends in an SQLException when the caller is interrupted (CONTRACT.md
        // 4.13).
        throw new OperationCancelledException(
            "the calling thread was interrupted while opening a snapshot", e);
      }
      throw PgErrors.map(e, "opening a snapshot");
    }
    PgSnapshot snapshot;
    try {
      PGConnection pg = c.unwrap(PGConnection.class);
      snapshot =
          new PgSnapshot(c, c.getAutoCommit(), c.getNetworkTimeout(), pg.getPrepareThreshold());
    } catch (SQLException e) {
      closeQuietly(c);
      throw PgErrors.map(e, "opening a snapshot");
    }
    try {
      snapshot.begin(operationTimeout);
      return snapshot;
    } catch (SQLException e) {
      snapshot.close();
      throw PgErrors.map(e, "opening a snapshot");
    } catch (RuntimeException | Error e) {
      snapshot.close();
      throw e;
    }
  }

  private void begin(Duration operationTimeout) throws SQLException {
    long millis = Math.max(1, operationTimeout.toMillis());
    connection.setNetworkTimeout(
        Runnable::run, (int) Math.min(Integer.MAX_VALUE, millis + SOCKET_GRACE_MILLIS));
    connection.unwrap(PGConnection.class).setPrepareThreshold(0);
    connection.setAutoCommit(false);
    try (Statement s = connection.createStatement()) {
      s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      // The transaction's first query takes its snapshot, now. A number the store computed, not
      // input: inlined.
      try (ResultSet rs =
          s.executeQuery(
              "SELECT set_config('statement_timeout', '"
                  + millis
                  + "', true), set_config('lock_timeout', '"
                  + millis
                  + "', true)")) {
        rs.next();
      }
    }
  }

  /**
   * Runs read work in the snapshot's transaction.
   *
   * @param what what is being done, for messages
   * @param scope the tenants the work reads: each of its statements declares them (the
   *     transaction's scope changes from one page to the next)
   * @param work the work
   * @return the work's result
   * @throws StateStoreException if it fails, or an earlier read did
   */
  <T> T read(String what, PgScope scope, Query<T> work) {
    StateStoreException earlier = failed;
    if (earlier != null) {
      throw new StorageException(
          "an earlier read of this snapshot failed, so it cannot go on; open a new snapshot",
          false,
          earlier);
    }
    try {
      return work.run(PgLocalSettings.inTransaction(connection, scope));
    } catch (SQLException e) {
      StateStoreException mapped = PgErrors.map(e, what + " of a snapshot");
      failed = mapped;
      throw mapped;
    }
  }

  /** Ends the transaction and gives the connection back as it was lent. */
  @Override
  public void close() {
    try {
      connection.rollback();
    } catch (SQLException e) {
      LOG.debug("ending a snapshot's transaction: {}", PgErrors.reason(e));
    }
    try {
      connection.unwrap(PGConnection.class).setPrepareThreshold(prepareThreshold);
      if (connection.getAutoCommit() != autoCommit) {
        connection.setAutoCommit(autoCommit);
      }
      connection.setNetworkTimeout(Runnable::run, networkTimeout);
    } catch (SQLException e) {
      // The connection is broken: the pool evicts it on return.
    }
    closeQuietly(connection);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      LOG.debug("returning a snapshot's connection: {}", PgErrors.reason(e));
    }
  }
}
