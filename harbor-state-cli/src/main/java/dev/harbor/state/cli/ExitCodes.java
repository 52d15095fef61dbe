package dev.harbor.state.cli;

import dev.harbor.state.StateStoreException;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.UnknownDriverException;
import dev.harbor.state.spi.StoreOutcome;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * From failures to exit codes (CONTRACT.md section 7). Every command's failure goes through {@link
 * #of}; nothing else picks an exit code for an exception.
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

  /**
   * A storage failure: the backend unreachable, timed out, refusing, or a commit of unknown
   * outcome.
   */
  static final int UNAVAILABLE = 5;

  private ExitCodes() {}

  /**
   * The exit code for a failure. The contract's exceptions map by their {@link StoreOutcome}, the
   * one table of exception families; the command line's own failures map here. A {@link
   * LocatedException} only adds where the failure happened, so it maps like its cause.
   *
   * @param failure what went wrong
   * @return the process exit code
   */
  static int of(Throwable failure) {
    Throwable t = failure;
    while (t instanceof LocatedException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof CommandLine.ParameterException
        || t instanceof InvalidInputException
        || t instanceof UnknownDriverException) {
      return USAGE;
    }
    // Outside the contract (a bug, an I/O failure) or a store closed under a command: not the
    // user's input, so not a usage error, although the outcome table counts the latter as refused.
    if (!(t instanceof StateStoreException) || t instanceof StoreClosedException) {
      return FAILURE;
    }
    return switch (StoreOutcome.of(t)) {
      case INVALID -> USAGE;
      case NOT_FOUND -> NOT_FOUND;
      case CONFLICT, CONDITION_FAILED -> CONFLICT;
      case STORAGE_ERROR, OUTCOME_UNKNOWN -> UNAVAILABLE;
      case OK, CANCELLED, FAILED -> FAILURE;
    };
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
