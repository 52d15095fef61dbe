package dev.harbor.state.cli;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.InvalidScanException;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.StorageException;
import dev.harbor.state.UnknownDriverException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * The one table from failures to exit codes (CONTRACT.md section 7). Every command's failure goes
 * through {@link #of}; nothing else picks an exit code for an exception.
 */
final class ExitCodes {

  /** Success. */
  static final int OK = 0;

  /** Anything not listed below. */
  static final int FAILURE = 1;

  /** Usage error or invalid input. */
  static final int USAGE = 2;

  /** The record asked for does not exist. */
  static final int NOT_FOUND = 3;

  /** An idempotency conflict or a failed condition. */
  static final int CONFLICT = 4;

  /** The backend is unavailable or failed. */
  static final int UNAVAILABLE = 5;

  /** First match wins; order matters only where one type extends another. */
  static final List<Map.Entry<Class<? extends Throwable>, Integer>> TABLE =
      List.of(
          Map.entry(CommandLine.ParameterException.class, USAGE),
          Map.entry(InvalidInputException.class, USAGE),
          Map.entry(InvalidRecordException.class, USAGE),
          Map.entry(IdentityRequiredException.class, USAGE),
          Map.entry(InvalidConfigException.class, USAGE),
          Map.entry(InvalidScanException.class, USAGE),
          Map.entry(MaintenanceScopeRequiredException.class, USAGE),
          Map.entry(UnknownDriverException.class, USAGE),
          Map.entry(RecordNotFoundException.class, NOT_FOUND),
          Map.entry(IdempotencyConflictException.class, CONFLICT),
          Map.entry(ConditionFailedException.class, CONFLICT),
          Map.entry(StorageException.class, UNAVAILABLE));

  private ExitCodes() {}

  /**
   * The exit code for a failure. A {@link LocatedException} only adds where the failure happened,
   * so it maps like its cause.
   *
   * @param failure what went wrong
   * @return the process exit code
   */
  static int of(Throwable failure) {
    Throwable t = failure;
    while (t instanceof LocatedException && t.getCause() != null) {
      t = t.getCause();
    }
    for (Map.Entry<Class<? extends Throwable>, Integer> row : TABLE) {
      if (row.getKey().isInstance(t)) {
        return row.getValue();
      }
    }
    return FAILURE;
  }

  /**
   * Invalid input the command line itself detects (a missing file, two payload sources, malformed
   * JSON, a bad field).
   */
  static final class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidInputException(String message) {
      super(message);
    }

    InvalidInputException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * A failure with where it happened ("line 12", "lines 1-500") prefixed to its cause's message.
   */
  static final class LocatedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LocatedException(String where, Throwable cause) {
      super(where + ": " + cause.getMessage(), cause);
    }
  }

  /**
   * A command that ran but whose outcome is a failure (a copy whose check did not match, a failed
   * certification).
   */
  static final class CommandFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CommandFailedException(String message) {
      super(message);
    }
  }
}
