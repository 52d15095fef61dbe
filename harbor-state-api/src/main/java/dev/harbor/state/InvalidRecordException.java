package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * Thrown for malformed input: an empty kind or event id, a string containing U+0000 or a lone
 * surrogate or longer than 256 UTF-8 bytes, a payload above the store's {@code maxPayloadBytes}, a
 * bad limit, or a batch or expectation list of the wrong shape. Nothing was changed.
 */
public final class InvalidRecordException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public InvalidRecordException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public InvalidRecordException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
