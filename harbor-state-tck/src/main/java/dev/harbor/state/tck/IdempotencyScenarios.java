package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.START;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;
import static dev.harbor.state.tck.Kit.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Idempotency of save by event id (CONTRACT.md 5, save/load):
 *
 * <ul>
 *   <li>saving the same event id with the same content is a no-op: updatedAt keeps its first value;
 *   <li>the same event id with different bytes, version, kind, or slot (tenant, user, session, run)
 *       is an {@code IdempotencyConflictException} and changes nothing;
 *   <li>a second event id overwrites the slot, the first id becomes unknown and may be used again.
 * </ul>
 */
abstract class IdempotencyScenarios extends Scenarios {

  IdempotencyScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void save_sameIdSameContent_isNoOpAndKeepsUpdatedAt() {
    StateRecord r = record(ALICE.run("r"), "k.same", "v1");
    StateRecord first = save(r);

    setClock(START.plusSeconds(3600));
    store().save(r);
    assertHolds(first);

    // updatedAt is not part of the content: an explicit other timestamp is still the same write.
    store().save(r.withUpdatedAt(Instant.parse("2040-01-01T00:00:00Z")));
    assertHolds(first);
    assertThat(store().load(r.identity(), r.kind()).updatedAt())
        .isEqualTo(START.truncatedTo(ChronoUnit.MICROS));
  }

  @Test
  void save_sameEventIdDifferentBytes_throwsIdempotencyConflict() {
    StateRecord r = save(record(ALICE.run("r"), "k.x", "original"));
    assertRejected(
        "different bytes",
        IdempotencyConflictException.class,
        () -> store().save(r.withBytes(utf8("changed")).withUpdatedAt(null)));
    assertRejected(
        "empty vs non-empty bytes",
        IdempotencyConflictException.class,
        () -> store().save(r.withBytes(null).withUpdatedAt(null)));
    assertHolds(r);
  }

  @Test
  void save_sameEventIdDifferentVersion_throwsIdempotencyConflict() {
    StateRecord r = save(record(ALICE.run("r"), "k.x", "original").withVersion(7));
    assertRejected(
        "different version",
        IdempotencyConflictException.class,
        () -> store().save(r.withVersion(8).withUpdatedAt(null)));
    assertHolds(r);
  }

  @Test
  void save_sameEventIdDifferentKind_throwsIdempotencyConflict() {
    StateRecord r = save(record(ALICE.run("r"), "k.x", "original"));
    assertRejected(
        "different kind",
        IdempotencyConflictException.class,
        () -> store().save(r.withSlot(r.identity(), "k.y").withUpdatedAt(null)));
    assertHolds(r);
    assertAbsent(r.identity(), "k.y");
  }

  @Test
  void save_sameEventIdDifferentSlot_throwsIdempotencyConflict() {
    StateRecord r = save(record(ALICE.run("r"), "k.x", "original"));
    Map<String, Quadruple> otherSlots = new LinkedHashMap<>();
    otherSlots.put("other tenant", new Quadruple("tenant-other", "user-a", "session-a", "r"));
    otherSlots.put("other user", new Quadruple("tenant-a", "user-other", "session-a", "r"));
    otherSlots.put("other session", new Quadruple("tenant-a", "user-a", "session-other", "r"));
    otherSlots.put("other run", ALICE.run("r2"));
    otherSlots.put("empty run", ALICE.sessionScoped());
    otherSlots.forEach(
        (label, q) -> {
          assertRejected(
              label, IdempotencyConflictException.class, () -> store().save(r.withSlot(q, "k.x")));
          assertAbsent(q, "k.x");
        });
    assertHolds(r);
  }

  @Test
  void save_secondEventId_overwritesSlotAndForgetsFirstId() {
    StateRecord first = save(record(ALICE.run("r"), "k.x", "one"));
    StateRecord second = save(nextGeneration(first, "two"));

    assertThat(store().load(first.identity(), "k.x")).isEqualTo(second);
    assertHolds(second);
    assertForgotten(first.id());

    assertIdReusable(first.id());
    assertHolds(second);
  }
}
