package dev.harbor.state.sqlite;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.sql.ErrorOutcome;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The one table that turns SQLite failures into the exceptions of the contract, by result code.
 * sqlite-jdbc reports extended result codes ({@code SQLITE_CONSTRAINT_UNIQUE}, {@code
 * SQLITE_BUSY_SNAPSHOT}) and sets no SQLSTATE, so a row matches either one extended code or a whole
 * primary code ({@code code & 0xFF}); extended rows win. The driver's exception is always the
 * cause, never the thrown type.
 */
final class SqliteErrors {

  /**
   * One row of the table.
   *
   * @param code the result code
   * @param extended whether {@code code} is an extended code (matched exactly) or a primary one
   *     (matched by its low byte)
   * @param outcome what it becomes
   * @param meaning the diagnosis for the message
   */
  record Row(SQLiteErrorCode code, boolean extended, ErrorOutcome outcome, String meaning) {}

  /** The table. Unlisted codes are {@link ErrorOutcome#PERMANENT}. */
  static final List<Row> TABLE =
      List.of(
          // The unique index on event_id: a concurrent write reached a second slot with a live
          // event id.
          new Row(
              SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE,
              true,
              ErrorOutcome.IDEMPOTENCY_CONFLICT,
              "an event id is already live at another slot"),
          new Row(
              SQLiteErrorCode.SQLITE_IOERR_NOMEM,
              true,
              ErrorOutcome.TRANSIENT,
              "out of memory during I/O"),
          // Contention: another connection or process holds the lock for longer than the busy
          // timeout.
          new Row(
              SQLiteErrorCode.SQLITE_BUSY,
              false,
              ErrorOutcome.TRANSIENT,
              "the database is locked by another connection or process (busy timeout expired)"),
          new Row(
              SQLiteErrorCode.SQLITE_LOCKED,
              false,
              ErrorOutcome.TRANSIENT,
              "a table is locked by another connection"),
          new Row(
              SQLiteErrorCode.SQLITE_NOMEM,
              false,
              ErrorOutcome.TRANSIENT,
              "SQLite ran out of memory"),
          new Row(
              SQLiteErrorCode.SQLITE_INTERRUPT,
              false,
              ErrorOutcome.TRANSIENT,
              "the statement was interrupted"),
          new Row(
              SQLiteErrorCode.SQLITE_ABORT,
              false,
              ErrorOutcome.TRANSIENT,
              "the statement was aborted"),
          // A WAL locking race that SQLite gave up retrying; the next attempt normally succeeds.
          new Row(
              SQLiteErrorCode.SQLITE_PROTOCOL, false, ErrorOutcome.TRANSIENT, "a WAL locking race"),
          new Row(
              SQLiteErrorCode.SQLITE_SCHEMA,
              false,
              ErrorOutcome.TRANSIENT,
              "the schema changed under the statement"),
          // Everything below needs someone to look at the disk, the file or the schema.
          new Row(
              SQLiteErrorCode.SQLITE_CONSTRAINT,
              false,
              ErrorOutcome.PERMANENT,
              "a constraint of the schema failed"),
          new Row(SQLiteErrorCode.SQLITE_FULL, false, ErrorOutcome.PERMANENT, "the disk is full"),
          new Row(
              SQLiteErrorCode.SQLITE_IOERR,
              false,
              ErrorOutcome.PERMANENT,
              "the disk or file system failed"),
          new Row(
              SQLiteErrorCode.SQLITE_CORRUPT,
              false,
              ErrorOutcome.PERMANENT,
              "the database file is corrupt"),
          new Row(
              SQLiteErrorCode.SQLITE_NOTADB,
              false,
              ErrorOutcome.PERMANENT,
              "the file is not a SQLite database"),
          new Row(
              SQLiteErrorCode.SQLITE_CANTOPEN,
              false,
              ErrorOutcome.PERMANENT,
              "the database file cannot be opened"),
          new Row(
              SQLiteErrorCode.SQLITE_READONLY,
              false,
              ErrorOutcome.PERMANENT,
              "the database file is read-only"),
          new Row(
              SQLiteErrorCode.SQLITE_PERM,
              false,
              ErrorOutcome.PERMANENT,
              "access to the database file is denied"),
          new Row(
              SQLiteErrorCode.SQLITE_TOOBIG,
              false,
              ErrorOutcome.PERMANENT,
              "a value is larger than SQLite allows"),
          new Row(
              SQLiteErrorCode.SQLITE_ERROR,
              false,
              ErrorOutcome.PERMANENT,
              "SQL error (is the schema of this file a harbor-state schema?)"),
          new Row(
              SQLiteErrorCode.SQLITE_MISUSE,
              false,
              ErrorOutcome.PERMANENT,
              "the SQLite library was misused"));

  /**
   * The failures of a {@code COMMIT} that SQLite reports before it writes the transaction's commit
   * frame to the WAL, so that nothing of the transaction can come back, not even after a crash.
   * Every other failure of a {@code COMMIT} leaves its outcome unknown ({@link #mapCommit}).
   */
  static final List<SQLiteErrorCode> COMMIT_NOTHING_WRITTEN =
      List.of(
          // The commit did not get the locks it needed; the store rolls the transaction back.
          SQLiteErrorCode.SQLITE_BUSY,
          SQLiteErrorCode.SQLITE_LOCKED,
          // Writing the frames failed: the commit frame, written last, is missing or torn, and WAL
          // recovery ignores a transaction without a valid commit frame.
          SQLiteErrorCode.SQLITE_FULL,
          SQLiteErrorCode.SQLITE_IOERR_WRITE);

  private final String database;
  private final @Nullable StoreContext context;

  /**
   * A mapper for one store.
   *
   * @param database the database for messages (its path or {@code :memory:})
   * @param context the store's context, {@code null} while opening; a failure once closing has
   *     begun is reported as the store being closed
   */
  SqliteErrors(String database, @Nullable StoreContext context) {
    this.database = database;
    this.context = context;
  }

  /**
   * The contract exception for a failed JDBC call.
   *
   * @param e the failure
   * @param operation what was being done, for the message
   * @return the exception to throw
   */
  StateStoreException map(SQLException e, String operation) {
    if (context != null && context.isClosed()) {
      // Connections close only once no call is in flight, but a fenced action may close its own
      // store, and the fence then loses its connection: say so instead of a storage failure.
      StateStoreException closed = context.closedException();
      closed.initCause(e);
      return closed;
    }
    String where = operation + " on sqlite database " + database + " failed: ";
    Optional<Row> row = row(e);
    if (row.isEmpty()) {
      return new StorageException(where + e.getMessage(), false, e);
    }
    Row r = row.get();
    return switch (r.outcome()) {
      case IDEMPOTENCY_CONFLICT -> new IdempotencyConflictException(where + r.meaning(), e);
      case TRANSIENT ->
          new StorageException(where + r.meaning() + " (" + e.getMessage() + ")", true, e);
      case PERMANENT ->
          new StorageException(where + r.meaning() + " (" + e.getMessage() + ")", false, e);
    };
  }

  /**
   * The contract exception for a failed {@code COMMIT}. The failures of {@link
   * #COMMIT_NOTHING_WRITTEN}, and failures that never reached SQLite (no result code), changed
   * nothing and map as {@link #map} does. Any other failure may come after the commit frame reached
   * the WAL: a failed fsync ({@code SQLITE_IOERR_FSYNC}) leaves the frames in the file while SQLite
   * rolls back in memory, and WAL recovery replays them after a crash. Its outcome is unknown.
   *
   * @param e the failure of the {@code COMMIT}
   * @param operation what was being done, for the message
   * @return the exception to throw
   */
  StateStoreException mapCommit(SQLException e, String operation) {
    if (context != null && context.isClosed()) {
      return map(e, operation);
    }
    if (!(e instanceof SQLiteException se) || se.getResultCode() == null) {
      return map(e, operation);
    }
    int code = se.getResultCode().code;
    for (SQLiteErrorCode known : COMMIT_NOTHING_WRITTEN) {
      // A primary code (below 256) stands for all of its extended codes.
      if (known.code == (known.code > 0xFF ? code : code & 0xFF)) {
        return map(e, operation);
      }
    }
    return new CommitOutcomeUnknownException(
        operation
            + " on sqlite database "
            + database
            + ": the commit failed after its writes may have reached the write-ahead log, so it"
            + " may or may not have been applied (retrying the same write is safe) ("
            + e.getMessage()
            + ")",
        e);
  }

  /**
   * The row for a failure: its extended code's row, else its primary code's row, else none.
   *
   * @param e the failure
   * @return the row, empty for unlisted codes and for exceptions that are not {@link
   *     SQLiteException}s
   */
  static Optional<Row> row(SQLException e) {
    if (!(e instanceof SQLiteException se) || se.getResultCode() == null) {
      return Optional.empty();
    }
    int code = se.getResultCode().code;
    for (Row r : TABLE) {
      if (r.extended() && r.code().code == code) {
        return Optional.of(r);
      }
    }
    for (Row r : TABLE) {
      if (!r.extended() && r.code().code == (code & 0xFF)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
