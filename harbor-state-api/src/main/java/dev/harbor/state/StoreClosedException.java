package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by every call made after {@link StateStore#close()} started, including calls racing with
 * it.
 */
public final class StoreClosedException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public StoreClosedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public StoreClosedException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
