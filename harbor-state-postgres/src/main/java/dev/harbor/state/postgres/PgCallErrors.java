package dev.harbor.state.postgres;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.postgres.PgErrors.Failure;
import dev.harbor.state.postgres.PgRetryPolicy.Decision;
import dev.harbor.state.spi.StoreContext;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@link PgDatabase} reports a call's failed attempts: its log lines and the store's exceptions
 * for a call that failed, a fence that broke, or a commit whose outcome is unknown.
 */
final class PgCallErrors {

  /** {@link PgDatabase}'s logger, so the log category stays the same. */
  private static final Logger LOG = LoggerFactory.getLogger(PgDatabase.class);

  private PgCallErrors() {}

  /**
   * DEBUG for each retry; WARN when a failure that a retry could have cured ends the call because
   * attempts or time ran out. (An unknown outcome is warned of once, by the store's call log.) The
   * reason is the server's first line and SQLSTATE: never a payload or a password.
   */
  static void logAttempt(
      Decision decision, Failure failure, int attempt, Supplier<String> what, Exception error) {
    if (decision == Decision.RETRY && LOG.isDebugEnabled()) {
      LOG.debug("retrying {} after attempt {}: {}", what.get(), attempt, reason(error));
    } else if (decision == Decision.FAIL && failure != Failure.OTHER) {
      LOG.warn("giving up on {} after {} attempts: {}", what.get(), attempt, reason(error));
    }
  }

  static String reason(Exception error) {
    return error instanceof SQLException e
        ? PgErrors.reason(e)
        : String.valueOf(error.getMessage());
  }

  /** The exception for a call that failed with a known outcome. */
  static StateStoreException failed(
      StoreContext context, Exception error, String what, boolean sent) {
    if (error instanceof StateStoreException answer) {
      return answer;
    }
    SQLException e = (SQLException) error;
    // A wait for a connection ends in an SQLException when the caller is interrupted or the store
    // closes meanwhile: say so, since nothing was sent.
    if (!sent && context.isClosed()) {
      return new StoreClosedException("the postgres store was closed during " + what, e);
    }
    if (!sent && Thread.currentThread().isInterrupted()) {
      return new OperationCancelledException(
          "the calling thread was interrupted during " + what, e);
    }
    return PgErrors.map(e, what);
  }

  /**
   * The exception for a fence whose connection broke after its action started: the action ran,
   * once, but the server may have released the fence's lock before the action ended. Not transient:
   * a retry would run the action a second time (CONTRACT.md 4.7, 4.13).
   */
  static StorageException fenceBroke(Exception error, String what) {
    return new StorageException(
        what
            + ": the action ran once, but the connection holding the fence broke, so the fence may"
            + " have ended before the action did ("
            + reason(error)
            + ")",
        false,
        error);
  }

  static CommitOutcomeUnknownException outcomeUnknown(
      String what, SQLException brokenCommit, List<Exception> asked) {
    CommitOutcomeUnknownException unknown = PgErrors.outcomeUnknown(brokenCommit, what);
    for (Exception e : asked) {
      unknown.addSuppressed(e); // why the server could not tell what became of the commit
    }
    return unknown;
  }
}
