package dev.harbor.state.postgres;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The one table that turns PostgreSQL and pool failures into the exceptions of SPEC 3.9, by
 * SQLSTATE. The JDBC exception is always the cause. Messages name what was being done, never a
 * credential.
 *
 * <table>
 *   <caption>SQLSTATE to exception</caption>
 *   <tr><th>SQLSTATE</th><th>meaning</th><th>thrown</th></tr>
 *   <tr><td>23505 on the event id</td><td>a live event id reached a second slot</td>
 *       <td>IdempotencyConflictException</td></tr>
 *   <tr><td>08xxx, 57P01-57P03 while committing</td><td>the outcome of a sent commit is unknown</td>
 *       <td>CommitOutcomeUnknownException</td></tr>
 *   <tr><td>08xxx</td><td>connection exception</td><td>transient StorageException</td></tr>
 *   <tr><td>57P01, 57P02, 57P03</td><td>admin shutdown, crash shutdown, cannot connect now</td>
 *       <td>transient StorageException</td></tr>
 *   <tr><td>53xxx (53300 too many connections)</td><td>insufficient resources</td>
 *       <td>transient StorageException</td></tr>
 *   <tr><td>57014</td><td>statement timeout or cancel</td><td>transient StorageException</td></tr>
 *   <tr><td>55P03</td><td>lock not available (lock_timeout)</td><td>transient StorageException</td></tr>
 *   <tr><td>40001, 40P01</td><td>serialization failure, deadlock</td><td>transient StorageException</td></tr>
 *   <tr><td>none, SQLTransientException</td><td>the pool had no connection within operationTimeout</td>
 *       <td>transient StorageException</td></tr>
 *   <tr><td>anything else (28xxx login, 3D000 no database, 42xxx ...)</td><td>not solved by retrying</td>
 *       <td>StorageException, not transient</td></tr>
 * </table>
 */
final class PgErrors {

  /** unique_violation. */
  static final String UNIQUE_VIOLATION = "23505";

  /** admin_shutdown: pg_terminate_backend or a server shutting down. */
  static final String ADMIN_SHUTDOWN = "57P01";

  /** crash_shutdown: another backend crashed and the server is resetting. */
  static final String CRASH_SHUTDOWN = "57P02";

  /** cannot_connect_now: the server is starting up or in recovery. */
  static final String CANNOT_CONNECT_NOW = "57P03";

  /** query_canceled: statement_timeout fired or the statement was cancelled. */
  static final String QUERY_CANCELED = "57014";

  /** lock_not_available: lock_timeout fired while waiting for an advisory or row lock. */
  static final String LOCK_NOT_AVAILABLE = "55P03";

  /** serialization_failure. */
  static final String SERIALIZATION_FAILURE = "40001";

  /** deadlock_detected. */
  static final String DEADLOCK_DETECTED = "40P01";

  /**
   * Class 53, insufficient resources: 53300 too_many_connections, 53200 out_of_memory, 53100
   * disk_full.
   */
  static final String INSUFFICIENT_RESOURCES_CLASS = "53";

  /** Class 08, connection exception: the connection is gone or could not be made. */
  static final String CONNECTION_EXCEPTION_CLASS = "08";

  /** duplicate_schema: a concurrent CREATE SCHEMA won. */
  static final String DUPLICATE_SCHEMA = "42P06";

  /** What a failure means for the caller. */
  enum Kind {
    IDEMPOTENCY_CONFLICT,
    COMMIT_OUTCOME_UNKNOWN,
    TRANSIENT,
    PERMANENT
  }

  private PgErrors() {}

  /**
   * Classifies a failure.
   *
   * @param e the failure
   * @param commitSent whether it arrived while a commit (or an autocommit write) was in flight
   * @return its kind
   */
  static Kind classify(SQLException e, boolean commitSent) {
    String state = state(e);
    if (isEventIdConflict(e)) {
      return Kind.IDEMPOTENCY_CONFLICT;
    }
    if (isBrokenConnection(e)) {
      return commitSent ? Kind.COMMIT_OUTCOME_UNKNOWN : Kind.TRANSIENT;
    }
    if (state.startsWith(INSUFFICIENT_RESOURCES_CLASS)
        || state.equals(QUERY_CANCELED)
        || state.equals(LOCK_NOT_AVAILABLE)
        || isContention(e)) {
      return Kind.TRANSIENT;
    }
    if (state.isEmpty() && e instanceof SQLTransientException) {
      return Kind.TRANSIENT;
    }
    return Kind.PERMANENT;
  }

  /**
   * The exception for a failure.
   *
   * @param e the failure, kept as the cause
   * @param what what was being done, such as {@code save of event id X at (t, u, s, r, k)}
   * @param commitSent whether a commit was in flight
   * @return the exception to throw
   */
  static StateStoreException map(SQLException e, String what, boolean commitSent) {
    String state = state(e);
    return switch (classify(e, commitSent)) {
      case IDEMPOTENCY_CONFLICT ->
          new IdempotencyConflictException(
              what + " failed: the event id is live in another slot or with other content", e);
      case COMMIT_OUTCOME_UNKNOWN ->
          new CommitOutcomeUnknownException(
              what
                  + " failed: the connection broke while"
                  + " committing, so the write may or may not be applied; retrying with the same event id is safe",
              e);
      case TRANSIENT ->
          new StorageException(
              what + " failed and may succeed if retried: " + reason(e, state), true, e);
      case PERMANENT -> new StorageException(what + " failed: " + reason(e, state), false, e);
    };
  }

  /**
   * Whether the connection is unusable: Hikari evicts such connections, and a retry gets a fresh
   * one.
   */
  static boolean isBrokenConnection(SQLException e) {
    String state = state(e);
    return state.startsWith(CONNECTION_EXCEPTION_CLASS)
        || state.equals(ADMIN_SHUTDOWN)
        || state.equals(CRASH_SHUTDOWN)
        || state.equals(CANNOT_CONNECT_NOW);
  }

  /** A serialization failure or deadlock: the work was rolled back and may simply be run again. */
  static boolean isContention(SQLException e) {
    String state = state(e);
    return state.equals(SERIALIZATION_FAILURE) || state.equals(DEADLOCK_DETECTED);
  }

  /**
   * A unique violation on the event id (or on an unnamed constraint, which in our statements can
   * only be it).
   */
  static boolean isEventIdConflict(SQLException e) {
    if (!state(e).equals(UNIQUE_VIOLATION)) {
      return false;
    }
    String constraint = constraint(e);
    return constraint == null || constraint.equals(PgSql.EVENT_ID_CONSTRAINT);
  }

  static String state(SQLException e) {
    String state = e.getSQLState();
    return state == null ? "" : state;
  }

  private static String constraint(SQLException e) {
    if (e instanceof PSQLException p) {
      ServerErrorMessage m = p.getServerErrorMessage();
      return m == null ? null : m.getConstraint();
    }
    return null;
  }

  /**
   * The first line of the driver's message, which names the problem (never a password) and the
   * SQLSTATE.
   */
  static String reason(SQLException e, String state) {
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
    return state.isEmpty() ? line : line + " (SQLSTATE " + state + ")";
  }
}
