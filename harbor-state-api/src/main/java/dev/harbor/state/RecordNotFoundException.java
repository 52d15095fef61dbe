package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link StateStore#load} and {@link StateStore#loadByEventId} when nothing is stored
 * under the key; the message names the key.
 */
public final class RecordNotFoundException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public RecordNotFoundException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public RecordNotFoundException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
