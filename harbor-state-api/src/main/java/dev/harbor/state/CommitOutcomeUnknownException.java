package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * A commit was sent to the backend and the connection broke before its outcome was known: the write
 * may or may not have been applied. Retrying the same write with the same event id converges either
 * way. Always transient.
 */
public final class CommitOutcomeUnknownException extends StorageException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was being committed, never a credential
   * @param cause the driver's exception
   */
  public CommitOutcomeUnknownException(String message, @Nullable Throwable cause) {
    super(message, true, cause);
  }
}
