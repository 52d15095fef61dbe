package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/** Thrown when the tenant, user or session of an identity-scoped call is empty. */
public final class IdentityRequiredException extends StateStoreException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the key involved
   */
  public IdentityRequiredException(String message) {
    super(message);
  }

  /**
   * Creates the exception with the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  public IdentityRequiredException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
