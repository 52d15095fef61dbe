package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a {@code saveIf}/{@code saveBatchIf} expectation or a {@code fenceIf} generation does
 * not match the stored state; nothing was changed.
 */
public final class ConditionFailedException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public ConditionFailedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public ConditionFailedException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
