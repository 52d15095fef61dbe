package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * Root of every exception a {@link StateStore} throws for a contract violation or a backend
 * failure.
 *
 * <p>The hierarchy is sealed and unchecked so callers can match on types, never on messages.
 * Messages name the key involved (slot, event id, host, database) and never a credential.
 */
public abstract sealed class StateStoreException extends RuntimeException
    permits RecordNotFoundException,
        IdempotencyConflictException,
        ConditionFailedException,
        IdentityRequiredException,
        InvalidRecordException,
        InvalidConfigException,
        StoreClosedException,
        UnknownDriverException,
        MaintenanceScopeRequiredException,
        InvalidScanException,
        OperationCancelledException,
        StorageException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a diagnostic message.
   *
   * @param message what went wrong, naming the key involved
   */
  protected StateStoreException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a diagnostic message and the failure that caused it.
   *
   * @param message what went wrong, naming the key involved
   * @param cause the underlying failure, may be {@code null}
   */
  protected StateStoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
