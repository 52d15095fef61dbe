package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when the calling thread was interrupted before or while the call waited; nothing was
 * changed and the thread's interrupt flag stays set.
 */
public final class OperationCancelledException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public OperationCancelledException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public OperationCancelledException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
