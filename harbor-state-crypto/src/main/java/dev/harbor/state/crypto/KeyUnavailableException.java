package dev.harbor.state.crypto;

/**
 * Why the keyring cannot give a key; the store turns it into a StorageException naming the slot.
 */
final class KeyUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The reasons, each with its part of the message. */
  enum Reason {
    DESTROYED,
    NO_KEYS,
    UNKNOWN_VERSION,
    IO
  }

  private final Reason reason;

  KeyUnavailableException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  KeyUnavailableException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  Reason reason() {
    return reason;
  }
}
