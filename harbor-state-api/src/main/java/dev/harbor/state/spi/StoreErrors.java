package dev.harbor.state.spi;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StorageException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The exceptions whose wording the contract fixes, built in one place so every driver says the same
 * thing. Drivers detect the condition (only they can see storage); this class words it.
 */
public final class StoreErrors {

  private StoreErrors() {}

  /**
   * The exception for a write whose event id is live with other content. Every driver words it the
   * same way; it names only the caller's own slot, never the slot (possibly another tenant's) that
   * holds the id.
   *
   * @param attempted the write that was refused
   * @param sameSlot whether the id is live at the write's own slot (with other bytes or version)
   * @return the exception to throw
   */
  public static IdempotencyConflictException idempotencyConflict(
      StateRecord attempted, boolean sameSlot) {
    String slot = describe(attempted.identity(), attempted.kind());
    return new IdempotencyConflictException(
        "event id "
            + attempted.id().value()
            + " is live "
            + (sameSlot
                ? "at " + slot + " with other bytes or version"
                : "at another slot than " + slot)
            + "; nothing was changed");
  }

  /**
   * The exception for an expectation that does not hold. Every driver words it the same way.
   *
   * @param expectation the expectation
   * @param current the event id the slot holds, {@code null} if absent or unknown
   * @return the exception to throw
   */
  public static ConditionFailedException conditionFailed(
      SlotExpectation expectation, @Nullable String current) {
    EventId expected = expectation.expectedEventId();
    return new ConditionFailedException(
        "expected "
            + describe(expectation.identity(), expectation.kind())
            + " to be "
            + (expected == null ? "absent" : "event id " + expected.value())
            + (current == null ? "" : " but it holds event id " + current)
            + "; nothing was changed");
  }

  /**
   * A short description of a slot for messages: {@code tenant/user/session/run kind}.
   *
   * @param identity the quadruple
   * @param kind the kind
   * @return the description
   */
  public static String describe(Quadruple identity, String kind) {
    return "("
        + identity.tenantId()
        + ", "
        + identity.userId()
        + ", "
        + identity.sessionId()
        + ", "
        + identity.runId()
        + ", "
        + kind
        + ")";
  }

  /**
   * The exception for an operation that waited longer than {@code operationTimeout} for a lock (or
   * a fenced slot) and gave up before changing anything. Transient: a retry may succeed.
   *
   * @param operationTimeout the store's option
   * @param what what the operation waited for, such as {@code "the store's lock"}
   * @return the exception to throw
   */
  public static StorageException timedOut(Duration operationTimeout, String what) {
    return new StorageException(
        "timed out after "
            + operationTimeout.toMillis()
            + " ms (operationTimeout) waiting for "
            + what
            + "; nothing was changed",
        true,
        null);
  }
}
