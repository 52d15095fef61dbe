package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/** Thrown when a cross-identity listing or scan is called without {@link ListScope#MAINTENANCE}. */
public final class MaintenanceScopeRequiredException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public MaintenanceScopeRequiredException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public MaintenanceScopeRequiredException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
