package dev.harbor.state.postgres;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.Locations;
import dev.harbor.state.sql.ErrorOutcome;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The one table that turns PostgreSQL and pool failures into the exceptions of CONTRACT.md 3.9, by
 * SQLSTATE ({@link #TABLE}). A row matches one SQLSTATE or a whole class (its first two
 * characters); exact rows win. Each row also says what the failure did to the attempt ({@link
 * Failure}), which {@link PgDatabase#decide} reads to retry. The JDBC exception is always the
 * cause, never the thrown type. Messages name what was being done, never a credential.
 */
final class PgErrors {

  /** unique_violation. */
  static final String UNIQUE_VIOLATION = "23505";

  /** duplicate_schema: a concurrent CREATE SCHEMA won (migrations only). */
  static final String DUPLICATE_SCHEMA = "42P06";

  /** What a failure did to the attempt that met it, which decides whether it is run again. */
  enum Failure {
    /**
     * The connection is gone: whatever was in flight may or may not have happened. The pool evicts
     * it; another attempt gets a fresh one.
     */
    BROKEN_CONNECTION,
    /** The server rolled the transaction back (contention): running it again may succeed. */
    ROLLED_BACK,
    /**
     * Anything else: an answer (the server's or the store's own) or a wait that already took
     * operationTimeout; another attempt within the call would meet the same.
     */
    OTHER
  }

  /**
   * One row of the table.
   *
   * @param code a SQLSTATE, a two-character class, or {@code ""} for a {@link
   *     SQLTransientException} without SQLSTATE (HikariCP's "connection is not available")
   * @param outcome what the caller is told
   * @param failure what it did to the attempt
   * @param meaning the diagnosis, for the message
   */
  record Row(String code, ErrorOutcome outcome, Failure failure, String meaning) {}

  /** The table. Unlisted failures are {@link ErrorOutcome#PERMANENT} and {@link Failure#OTHER}. */
  static final List<Row> TABLE =
      List.of(
          // Only on the event id's constraint (or an unnamed one, which in our statements can only
          // be it): a unique violation on another constraint is unlisted.
          new Row(
              UNIQUE_VIOLATION,
              ErrorOutcome.IDEMPOTENCY_CONFLICT,
              Failure.OTHER,
              "the event id is live in another slot or with other content"),
          // The connection broke or the server ended the session: retried on a fresh connection
          // when that cannot apply a write twice.
          new Row("08", ErrorOutcome.TRANSIENT, Failure.BROKEN_CONNECTION, "connection exception"),
          new Row(
              "57P01",
              ErrorOutcome.TRANSIENT,
              Failure.BROKEN_CONNECTION,
              "admin shutdown (pg_terminate_backend or the server stopping)"),
          new Row(
              "57P02",
              ErrorOutcome.TRANSIENT,
              Failure.BROKEN_CONNECTION,
              "crash shutdown (another backend crashed; the server is resetting)"),
          new Row(
              "57P03",
              ErrorOutcome.TRANSIENT,
              Failure.BROKEN_CONNECTION,
              "cannot connect now (the server is starting up or in recovery)"),
          // The server ended a write's transaction that waited for its client longer than
          // operationTimeout (PgLocalSettings): the client did not hear from it in time.
          new Row(
              "25P03",
              ErrorOutcome.TRANSIENT,
              Failure.BROKEN_CONNECTION,
              "idle-in-transaction session timeout (the server gave up on a silent client)"),
          // Contention the server resolved by rolling one transaction back.
          new Row("40001", ErrorOutcome.TRANSIENT, Failure.ROLLED_BACK, "serialization failure"),
          new Row("40P01", ErrorOutcome.TRANSIENT, Failure.ROLLED_BACK, "deadlock detected"),
          // Waits that operationTimeout ended, and resources the server is short of: a later call
          // may succeed, but not another attempt of this one.
          new Row(
              "57014",
              ErrorOutcome.TRANSIENT,
              Failure.OTHER,
              "statement timeout or cancel (operationTimeout)"),
          new Row(
              "55P03",
              ErrorOutcome.TRANSIENT,
              Failure.OTHER,
              "lock not available (operationTimeout)"),
          // A full disk stays full until someone frees space: retrying only repeats the failure
          // (CONTRACT.md 3.9 counts it as not transient; SQLite's SQLITE_FULL is the same).
          new Row(
              "53100",
              ErrorOutcome.PERMANENT,
              Failure.OTHER,
              "disk full (the server cannot extend a file)"),
          new Row(
              "53",
              ErrorOutcome.TRANSIENT,
              Failure.OTHER,
              "insufficient resources (53300 too many connections, 53200 out of memory)"),
          new Row(
              "",
              ErrorOutcome.TRANSIENT,
              Failure.OTHER,
              "the pool had no connection within operationTimeout"));

  private static final Row UNLISTED =
      new Row("?", ErrorOutcome.PERMANENT, Failure.OTHER, "not solved by retrying");

  private PgErrors() {}

  /**
   * The row for a failure: its SQLSTATE's row, else its class's row, else none.
   *
   * @param e the failure
   * @return the row, empty for unlisted failures
   */
  static Optional<Row> row(SQLException e) {
    String state = state(e);
    if (state.isEmpty()) {
      return e instanceof SQLTransientException ? find("") : Optional.empty();
    }
    if (state.equals(UNIQUE_VIOLATION) && !onEventId(e)) {
      return Optional.empty();
    }
    Optional<Row> exact = find(state);
    return exact.isPresent() ? exact : find(state.substring(0, Math.min(2, state.length())));
  }

  private static Optional<Row> find(String code) {
    return TABLE.stream().filter(r -> r.code().equals(code)).findFirst();
  }

  private static Row rowOrUnlisted(SQLException e) {
    return row(e).orElse(UNLISTED);
  }

  /**
   * What a failure did to its attempt.
   *
   * @param e the failure
   * @return its row's {@link Failure}
   */
  static Failure failure(SQLException e) {
    return rowOrUnlisted(e).failure();
  }

  /**
   * Whether a later call may succeed where this failure happened.
   *
   * @param e the failure
   * @return whether its row is {@link ErrorOutcome#TRANSIENT}
   */
  static boolean isTransient(SQLException e) {
    return rowOrUnlisted(e).outcome() == ErrorOutcome.TRANSIENT;
  }

  /**
   * The exception for a failure whose outcome is known.
   *
   * @param e the failure, kept as the cause
   * @param what what was being done, such as {@code save of event id X at (t, u, s, r, k)}
   * @return the exception to throw
   */
  static StateStoreException map(SQLException e, String what) {
    Row row = rowOrUnlisted(e);
    return switch (row.outcome()) {
      case IDEMPOTENCY_CONFLICT ->
          new IdempotencyConflictException(what + " failed: " + row.meaning(), e);
      case TRANSIENT ->
          new StorageException(
              what + " failed and may succeed if retried: " + row.meaning() + ": " + reason(e),
              true,
              e);
      case PERMANENT -> new StorageException(what + " failed: " + reason(e), false, e);
    };
  }

  /**
   * The exception for a write whose commit was sent and whose connection broke before the answer.
   *
   * @param e the broken connection's failure, kept as the cause
   * @param what what was being done
   * @return the exception to throw
   */
  static CommitOutcomeUnknownException outcomeUnknown(SQLException e, String what) {
    return new CommitOutcomeUnknownException(
        what
            + " failed: the connection broke while committing, so the write may or may not be"
            + " applied; retrying with the same event id is safe ("
            + reason(e)
            + ")",
        e);
  }

  /**
   * The SQLSTATE, or {@code ""} if the failure has none.
   *
   * @param e the failure
   * @return the SQLSTATE
   */
  static String state(SQLException e) {
    String state = e.getSQLState();
    return state == null ? "" : state;
  }

  /**
   * A unique violation on another constraint than the event id's: in the store's statements, the
   * primary key, which only a writer outside the locking protocol can make a save run into.
   *
   * @param e the failure
   * @return whether it is one
   */
  static boolean isSlotTaken(SQLException e) {
    return state(e).equals(UNIQUE_VIOLATION) && !onEventId(e);
  }

  /** A unique violation on the event id (or on an unnamed constraint, which can only be it). */
  private static boolean onEventId(SQLException e) {
    if (e instanceof PSQLException p) {
      ServerErrorMessage m = p.getServerErrorMessage();
      String constraint = m == null ? null : m.getConstraint();
      return constraint == null || constraint.equals(PgSql.EVENT_ID_CONSTRAINT);
    }
    return true;
  }

  /**
   * The server's reason, for a message: one line, credentials in URLs redacted and the password, if
   * the server echoed it, replaced.
   *
   * @param e the failure
   * @param password the location's password, if any
   * @return the redacted reason
   */
  static String redactedReason(SQLException e, @Nullable String password) {
    return redacted(reason(e), password);
  }

  /**
   * A reason with credentials removed.
   *
   * @param reason one line
   * @param password the location's password, if any
   * @return the reason, redacted
   */
  static String redacted(String reason, @Nullable String password) {
    String out = Locations.redact(reason);
    return password == null || password.isEmpty() ? out : out.replace(password, "***");
  }

  /**
   * The first line of the driver's message, which names the problem (never a password), and the
   * SQLSTATE.
   *
   * @param e the failure
   * @return one line
   */
  static String reason(SQLException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
    int nl = message.indexOf('\n');
    String line = nl < 0 ? message : message.substring(0, nl).strip();
    Throwable cause = e.getCause();
    if (cause instanceof java.io.IOException && cause.getMessage() != null) {
      // pgjdbc's "The connection attempt failed." keeps the diagnosis (unknown host, timeout) in
      // the cause.
      line =
          line
              + " ("
              + cause.getClass().getSimpleName()
              + ": "
              + cause.getMessage().strip().split("\n", 2)[0]
              + ")";
    }
    String state = state(e);
    return state.isEmpty() ? line : line + " (SQLSTATE " + state + ")";
  }
}
