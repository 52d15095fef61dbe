package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a live event id is reused for a different slot, different bytes or a different
 * version. A retry with the same event id and the same content is never a conflict.
 */
public final class IdempotencyConflictException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public IdempotencyConflictException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public IdempotencyConflictException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
