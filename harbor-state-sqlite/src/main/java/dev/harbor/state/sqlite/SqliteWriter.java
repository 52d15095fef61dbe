package dev.harbor.state.sqlite;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.spi.StoreContext;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * The write connection of one store and its transactions: {@code BEGIN IMMEDIATE}, commit,
 * rollback, and the recovery after a {@code COMMIT} whose outcome is unknown (replace the
 * connection, overwrite what the failed transaction left in the WAL). Used only by {@link
 * SqliteDatabase}, under its write lock.
 */
final class SqliteWriter {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteWriter.class);

  private final SqliteSettings settings;
  private final StoreContext context;
  private final SqliteErrors errors;
  private final long busyMillis;
  // Replaced after a commit whose outcome is unknown (guarded by writeLock; volatile for close()).
  private volatile Connection writer;
  private boolean inTransaction; // guarded by writeLock; still set after a failed rollback
  private boolean writerClosed; // guarded by writeLock; a replacement failed to open
  private SqliteStatements writerStatements; // guarded by writeLock

  SqliteWriter(
      SqliteSettings settings, StoreContext context, SqliteErrors errors, Connection writer) {
    this.settings = settings;
    this.context = context;
    this.errors = errors;
    this.writer = writer;
    this.writerStatements = new SqliteStatements(writer);
    this.busyMillis = settings.busyTimeout().toMillis();
  }

  /**
   * Runs work in one {@code BEGIN IMMEDIATE} transaction and commits it ({@link
   * SqliteDatabase#write(String, SqliteDatabase.Work)}); the caller holds the write lock.
   */
  <T> T transaction(
      String operation, SqliteDatabase.Work<T> work, boolean cancellable, long deadline) {
    T result;
    try {
      if (writerClosed) {
        renewWriter(); // the last replacement failed; the disk may be back
      }
      if (inTransaction) {
        // Left over from a failed rollback; a failure here means there is nothing to undo.
        rollbackQuietly();
        inTransaction = false;
      }
      if (!settings.inMemory()) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        ((SQLiteConnection) writer).setBusyTimeout((int) Math.max(1, Math.min(busyMillis, left)));
      }
      statement("BEGIN IMMEDIATE").execute();
      inTransaction = true;
      try {
        result = work.run(writer);
        if (cancellable && Thread.currentThread().isInterrupted()) {
          // SQLite's statements run on without noticing Thread.interrupt(); an interrupt that came
          // while they ran is honoured here, the last moment the writes can still be undone.
          throw context.cancelled();
        }
      } catch (SQLException | RuntimeException | Error e) {
        rollbackQuietly();
        throw e;
      }
    } catch (SQLException e) {
      writerStatements.discard();
      throw errors.map(e, operation);
    }
    try {
      statement("COMMIT").execute();
      inTransaction = false;
      return result;
    } catch (SQLException e) {
      throw commitFailed(e, operation, deadline);
    }
  }

  /**
   * After a failed {@code COMMIT}: rolls back what is left, and if the outcome is unknown ({@link
   * SqliteErrors#mapCommit}) makes sure that neither this instance nor the file keeps anything of
   * the transaction. Its frames may sit in the WAL beyond the last commit the WAL index records: no
   * reader sees them (every connection reads up to the index's last commit), but WAL recovery after
   * a crash would replay them, so the instance would have read "absent" where the file, after a
   * crash, says "present". The write connection is replaced (no page, lock or error state of the
   * failed transaction survives in it) and a commit of one unchanged page is written over those
   * frames ({@link #overwriteUncommittedFrames}); the next write would do the same anyway. The
   * caller still learns that the outcome is unknown: the failed flush may or may not have reached
   * the disk before the overwrite did.
   */
  private StateStoreException commitFailed(SQLException e, String operation, long deadline) {
    StateStoreException mapped = errors.mapCommit(e, operation);
    rollbackQuietly(); // SQLite has rolled back already, except after BUSY
    writerStatements.discard();
    if (mapped instanceof CommitOutcomeUnknownException && !settings.inMemory()) {
      try {
        renewWriter();
        // Within the call's operationTimeout; past it, the next write overwrites the frames.
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left > 0) {
          ((SQLiteConnection) writer).setBusyTimeout((int) Math.min(busyMillis, left));
          overwriteUncommittedFrames();
        }
      } catch (SQLException again) {
        mapped.addSuppressed(again);
        writerStatements.discard();
        LOG.warn(
            "sqlite database {}: after a commit of unknown outcome, could not reopen the write"
                + " connection or settle the WAL: {}",
            settings.describe(),
            again.getMessage());
      }
    }
    return mapped;
  }

  /** Closes the write connection and opens a new one; on failure the next write tries again. */
  private void renewWriter() throws SQLException {
    writerStatements.discard();
    try {
      writer.close();
    } catch (SQLException e) {
      LOG.debug("closing the write connection reported: {}", e.getMessage());
    }
    writerClosed = true;
    inTransaction = false; // closing a connection rolls back whatever it had open
    Connection renewed = SqliteConnections.connect(settings, false);
    writer = renewed;
    writerStatements = new SqliteStatements(renewed);
    writerClosed = false;
  }

  /**
   * Commits a transaction that rewrites one page with its own content ({@code user_version}, which
   * the schema does not use, set to the value it has): its frame goes where the first frame of a
   * failed commit went, and WAL recovery stops at the first frame whose checksum chain breaks, so
   * nothing after it is replayed either. A failed attempt changes nothing, and the next write
   * overwrites those frames in the same way.
   */
  private void overwriteUncommittedFrames() throws SQLException {
    try (Statement s = writer.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      inTransaction = true;
      int version;
      try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
        version = rs.next() ? rs.getInt(1) : 0;
      }
      // PRAGMAs take no parameters; the value is the integer just read.
      s.execute("PRAGMA user_version = " + version);
      s.execute("COMMIT");
      inTransaction = false;
    } catch (SQLException e) {
      rollbackQuietly();
      throw e;
    }
  }

  /**
   * A statement of the write connection, prepared once and kept for the store's life. Only for use
   * inside {@link SqliteDatabase#write(String, SqliteDatabase.Work)} work, which holds the write
   * lock; callers must not close it. Why: sqlite-jdbc prepares anew on every {@code
   * prepareStatement} (about 18 µs each), and every save runs the same four statements inside the
   * critical section.
   */
  PreparedStatement statement(String sql) throws SQLException {
    return writerStatements.of(sql);
  }

  /**
   * The write connection's kept statements (the in-memory database's reads run on them too).
   *
   * @return them; only while holding the write lock
   */
  SqliteStatements statements() {
    return writerStatements;
  }

  /**
   * The current write connection.
   *
   * @return it
   */
  Connection connection() {
    return writer;
  }

  /**
   * Copies the database into an empty file with {@code VACUUM INTO}; the caller holds the write
   * lock.
   *
   * @param file an empty file
   * @throws SQLException if SQLite fails
   */
  void vacuumInto(Path file) throws SQLException {
    if (inTransaction) {
      rollbackQuietly(); // left over from a failed rollback; VACUUM cannot run inside one
    }
    try (PreparedStatement p = writer.prepareStatement("VACUUM INTO ?")) {
      p.setString(1, file.toString());
      p.execute();
    }
  }

  private void rollbackQuietly() {
    try (Statement s = writer.createStatement()) {
      rollbackQuietly(s);
    } catch (SQLException e) {
      LOG.debug("could not roll back on the write connection: {}", e.getMessage());
    }
  }

  private void rollbackQuietly(Statement s) {
    try {
      s.execute("ROLLBACK");
      inTransaction = false;
    } catch (SQLException e) {
      // Usually "no transaction is active": SQLite rolled back by itself after the failure.
      // inTransaction stays set so the next transaction makes sure. Either way the caller sees
      // the original failure.
      LOG.debug("rollback on sqlite database {} reported: {}", settings.describe(), e.getMessage());
    }
  }
}
