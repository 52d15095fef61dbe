package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link StateStores} when no registered provider has the requested driver name; the
 * message lists the registered drivers.
 */
public final class UnknownDriverException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public UnknownDriverException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public UnknownDriverException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
