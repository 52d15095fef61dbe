package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * The backend failed. The driver's own exception is always the {@linkplain #getCause() cause},
 * never the thrown type.
 *
 * <p>{@link #isTransient()} tells whether the same call may succeed if retried (a lost connection,
 * a timeout, a server restarting). Because every write carries an event id, retrying a write after
 * a transient failure is safe.
 */
public sealed class StorageException extends StateStoreException
    permits CommitOutcomeUnknownException {

  private static final long serialVersionUID = 1L;

  /** Whether a retry of the same call may succeed; see {@link #isTransient()}. */
  private final boolean transientFailure;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming host, database or file where known, never a credential
   * @param transientFailure whether a retry of the same call may succeed
   * @param cause the driver's exception, may be {@code null}
   */
  public StorageException(String message, boolean transientFailure, @Nullable Throwable cause) {
    super(message, cause);
    this.transientFailure = transientFailure;
  }

  /**
   * Whether a retry of the same call may succeed.
   *
   * @return {@code true} for connection loss, timeouts, busy or shutting-down backends
   */
  public boolean isTransient() {
    return transientFailure;
  }
}
