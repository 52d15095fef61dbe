package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a location or an option cannot be used to open a store: a malformed location, an
 * unknown or out-of-range option, or a backend that rejects the configuration at open. The message
 * never contains a credential.
 */
public final class InvalidConfigException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public InvalidConfigException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public InvalidConfigException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
