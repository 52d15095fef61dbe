package dev.harbor.state.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * A connection's statements, each prepared on first use and kept until a statement of the
 * connection fails; the work binds and runs them and must not close them. Why: sqlite-jdbc prepares
 * anew on every {@code prepareStatement} (about 18 µs each, more than a point read itself takes).
 */
final class SqliteStatements {
  private final Connection connection;
  private final Map<String, PreparedStatement> prepared = new HashMap<>();

  SqliteStatements(Connection connection) {
    this.connection = connection;
  }

  /**
   * The statement of this SQL on this connection.
   *
   * @param sql one of the driver's statements (a constant, or one of a few constant variants)
   * @return the statement, prepared once
   * @throws SQLException if SQLite cannot prepare it
   */
  PreparedStatement of(String sql) throws SQLException {
    PreparedStatement statement = prepared.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      prepared.put(sql, statement);
    }
    return statement;
  }

  /**
   * Closes and forgets every kept statement, so that the next use prepares it anew. Called after
   * any failure on the connection: sqlite-jdbc (3.54, {@code DB.execute}) finalizes a statement
   * whose step failed with any result code but BUSY, LOCKED, CONSTRAINT and MISUSE, and a kept
   * finalized statement would fail every later call with "statement is not executing"; which one it
   * finalized does not show ({@code isClosed()} reports only {@code close()}), so all go.
   */
  void discard() {
    for (PreparedStatement p : prepared.values()) {
      try {
        p.close();
      } catch (SQLException e) {
        // already finalized by the driver: nothing left to release
      }
    }
    prepared.clear();
  }
}
