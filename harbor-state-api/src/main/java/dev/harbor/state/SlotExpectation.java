package dev.harbor.state;

import org.jspecify.annotations.Nullable;

/**
 * A predicate on one slot for {@code saveIf}, {@code saveBatchIf}, {@code deleteIf} and {@code
 * fenceIf}: the slot must be absent ({@code expectedEventId} {@code null} or empty) or hold exactly
 * {@code expectedEventId}. {@code null} strings are turned into {@code ""}; construction never
 * throws.
 *
 * @param identity the slot's quadruple
 * @param kind the slot's kind
 * @param expectedEventId the event id the slot must hold, or {@code null} for "absent"
 */
public record SlotExpectation(Quadruple identity, String kind, @Nullable EventId expectedEventId) {

  /**
   * Normalizes {@code null} values; an empty expected id becomes {@code null} ("absent").
   *
   * @param identity the slot's quadruple; {@code null} becomes the empty quadruple
   * @param kind the slot's kind; {@code null} becomes {@code ""}
   * @param expectedEventId the event id the slot must hold; {@code null} or empty means "absent"
   */
  public SlotExpectation {
    identity = identity == null ? new Quadruple("", "", "", "") : identity;
    kind = kind == null ? "" : kind;
    expectedEventId =
        expectedEventId == null || expectedEventId.value().isEmpty() ? null : expectedEventId;
  }

  /**
   * Expects the slot to hold no record.
   *
   * @param identity the slot's quadruple
   * @param kind the slot's kind
   * @return the expectation
   */
  public static SlotExpectation absent(Quadruple identity, String kind) {
    return new SlotExpectation(identity, kind, null);
  }

  /**
   * Expects the slot to hold exactly the record written under {@code eventId}.
   *
   * @param identity the slot's quadruple
   * @param kind the slot's kind
   * @param eventId the expected event id
   * @return the expectation
   */
  public static SlotExpectation exact(Quadruple identity, String kind, EventId eventId) {
    return new SlotExpectation(identity, kind, eventId);
  }

  /**
   * Whether this expects the slot to be absent.
   *
   * @return {@code true} if no event id is expected
   */
  public boolean expectsAbsent() {
    return expectedEventId == null;
  }

  /**
   * Whether a slot currently holding {@code current} satisfies this expectation.
   *
   * @param current the slot's live record, or {@code null} if absent
   * @return {@code true} if the expectation holds
   */
  public boolean matches(@Nullable StateRecord current) {
    return current == null ? expectedEventId == null : current.id().equals(expectedEventId);
  }
}
