package dev.harbor.state.sqlite;

import dev.harbor.state.StorageException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Function;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * Opening one of the store's SQLite connections and the checks {@link SqliteDatabase#open} runs on
 * the file before using it (UTF-8 encoding, a required PRAGMA value).
 */
final class SqliteConnections {

  private SqliteConnections() {}

  /**
   * Refuses a database whose text encoding is not UTF-8. SQLite's BINARY collation compares TEXT in
   * the file's own encoding, so in a UTF-16 file keys would order and prefix-match by UTF-16 code
   * units instead of the UTF-8 bytes the contract asks for; and SQLite cannot convert an existing
   * file. Only reads.
   *
   * @param c the write connection, before anything changed the file
   * @param settings the validated settings, for the message
   * @throws SQLException if SQLite fails
   */
  static void requireUtf8(Connection c, SqliteSettings settings) throws SQLException {
    requirePragma(
        c,
        "PRAGMA encoding",
        "UTF-8",
        encoding ->
            "cannot open the sqlite store at "
                + settings.describe()
                + ": the database encoding is "
                + encoding
                + ", but harbor-state needs UTF-8 (SQLite cannot convert a file; dump it into a"
                + " new one: sqlite3 OLD .dump | sqlite3 NEW)");
  }

  /**
   * Runs a PRAGMA that answers one value ({@code ""} for no row) and refuses the file, permanently,
   * unless the value is {@code expected} in any case.
   *
   * @param c the connection
   * @param pragma the PRAGMA statement
   * @param expected the value required
   * @param problem the refusal's message for the value found
   * @throws SQLException if SQLite fails
   */
  static void requirePragma(
      Connection c, String pragma, String expected, Function<String, String> problem)
      throws SQLException {
    String value;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(pragma)) {
      value = rs.next() ? rs.getString(1) : "";
    }
    if (!expected.equalsIgnoreCase(value)) {
      throw new StorageException(problem.apply(value), false, null);
    }
  }

  /**
   * Opens a connection to the store's database, set up as the store's connections are.
   *
   * @param settings the validated settings
   * @param reader whether it is a read connection (query-only, never creates the file)
   * @return the connection; the caller closes it
   * @throws SQLException if SQLite cannot open it
   */
  static Connection connect(SqliteSettings settings, boolean reader) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    // Nothing here reads generated keys. Left on, sqlite-jdbc prepares and runs "SELECT
    // last_insert_rowid()" after every INSERT: on a group commit leader's serial path, once per
    // member (PERFORMANCE.md, "Profiles (issue 12)").
    config.setGetGeneratedKeys(false);
    if (!reader) {
      // A new file takes the encoding its first writer names; say UTF-8 rather than rely on the
      // default. SQLite ignores this on an existing file, which is why open checks it afterwards.
      config.setEncoding(SQLiteConfig.Encoding.UTF8);
    }
    if ((!settings.migrate() || reader) && !settings.inMemory()) {
      config.resetOpenMode(SQLiteOpenMode.CREATE); // only an applying writer may create the file
    }
    config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, settings.busyTimeout().toMillis()));
    String url = settings.inMemory() ? "jdbc:sqlite::memory:" : "jdbc:sqlite:" + settings.file();
    Connection c = config.createConnection(url);
    try (Statement s = c.createStatement()) {
      // PRAGMAs take no parameters; the value is one of the fixed words SqliteSettings accepts
      // (sqlite-jdbc's own enum lacks EXTRA).
      s.execute("PRAGMA synchronous = " + settings.synchronous());
      if (reader) {
        // A guard rail: the read pool must never write, or it would contend with the writer.
        s.execute("PRAGMA query_only = 1");
      }
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return c;
  }
}
