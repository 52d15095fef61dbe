package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link StateStore#scanKindForTenant} for an empty tenant or prefix, a limit outside
 * 1..256, or a continuation that is not valid for exactly this tenant and prefix; and by {@link
 * StateStore#scanAll} for a limit outside 1..1000 or a continuation that is not one of its own.
 */
public final class InvalidScanException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public InvalidScanException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public InvalidScanException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
