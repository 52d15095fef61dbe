package dev.harbor.state.postgres;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The handling of one lent connection by {@link PgDatabase}: its socket bound, and giving it back.
 */
final class PgConnections {

  /**
   * How much longer than what is left of operationTimeout a socket read may wait: the server ends a
   * statement at statement_timeout and its answer needs a moment to arrive; past this grace the
   * server is taken to be gone.
   */
  private static final long SOCKET_GRACE_MILLIS = 1_000;

  private PgConnections() {}

  /**
   * Bounds each socket read of this attempt by what it may wait (plus a grace), so a server that
   * vanished without closing the socket cannot hold the call much past it, while a statement or a
   * lock wait that the server ends at its timeout reports that, not a broken connection.
   */
  static void boundSocketReads(Connection c, long waitMillis) throws SQLException {
    c.setNetworkTimeout(
        Runnable::run, (int) Math.min(Integer.MAX_VALUE, waitMillis + SOCKET_GRACE_MILLIS));
  }

  static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      // The connection is broken; the server rolls the transaction back when it notices, and the
      // pool evicts it.
    }
  }

  /** Gives the connection back as it was lent: its autocommit mode and socket timeout. */
  static void restore(Connection c, boolean autoCommit, int networkTimeout) {
    try {
      if (c.getAutoCommit() != autoCommit) {
        c.setAutoCommit(autoCommit);
      }
      c.setNetworkTimeout(Runnable::run, networkTimeout);
    } catch (SQLException e) {
      // The connection is broken: the pool evicts it on return.
    }
  }

  static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // Returning a connection to the pool failed: the pool discards it; the work's outcome stands.
    }
  }
}
