package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.BOB;
import static dev.harbor.state.tck.Kit.START;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;
import static dev.harbor.state.tck.Kit.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.StateRecord;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * saveAll, the atomic bulk path (CONTRACT.md 4.3): applies every record; one invalid record applies
 * nothing; one conflicting record applies nothing; a replay is a no-op (updatedAt unchanged) also
 * mixed with new records; a batch cannot free an event id and reuse it (a record overwriting the
 * slot that holds the id, beside a record that carries the id, is {@code
 * IdempotencyConflictException} and applies nothing, in either order; two batches can); a duplicate
 * slot, a duplicate event id in one batch are {@code InvalidRecordException}; an empty list is a
 * no-op. (Null lists and elements: {@link NullArgumentsScenarios}.)
 */
abstract class SaveAllScenarios extends Scenarios {

  SaveAllScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void saveAll_appliesEveryRecord() {
    StateRecord a = record(ALICE.run("r"), "k.a", "a");
    StateRecord b = record(ALICE.sessionScoped(), "k.b", "b").withVersion(5);
    StateRecord c = record(BOB.run("r"), "k.a", "c");
    store().saveAll(List.of(a, b, c));
    assertHolds(stored(a));
    assertHolds(stored(b));
    assertHolds(stored(c));
    assertThat(snapshot()).hasSize(3);
  }

  @Test
  void saveAll_oneInvalidRecord_appliesNothing() {
    StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
    List<StateRecord> before = snapshot();
    StateRecord a = record(ALICE.run("r"), "k.a", "a");
    StateRecord bad = record(ALICE.run("r"), "", "bad kind");
    assertRejected(
        "batch with an empty kind",
        InvalidRecordException.class,
        () -> store().saveAll(List.of(a, nextGeneration(live, "n"), bad)));
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void saveAll_oneConflictingRecord_appliesNothing() {
    StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
    StateRecord other = save(record(ALICE.run("r"), "k.other", "other"));
    List<StateRecord> before = snapshot();
    StateRecord a = record(ALICE.run("r"), "k.a", "a");
    StateRecord overwrite = nextGeneration(other, "overwrite");
    StateRecord conflicting = live.withBytes(utf8("changed")).withUpdatedAt(null);
    StateRecord b = record(BOB.run("r"), "k.b", "b");
    assertRejected(
        "batch with a conflicting replay",
        IdempotencyConflictException.class,
        () -> store().saveAll(List.of(a, overwrite, conflicting, b)));
    assertThat(snapshot()).isEqualTo(before);
    assertUnknown(a.id());
    assertUnknown(overwrite.id());
  }

  @Test
  void saveAll_cannotFreeAnEventIdAndReuseIt_throwsIdempotencyConflictAndAppliesNothing() {
    StateRecord held = save(record(ALICE.run("r"), "k.held", "held"));
    StateRecord other = save(record(BOB.run("r"), "k.other", "other"));
    List<StateRecord> before = snapshot();
    // Applied alone, the overwrite would forget held's event id; each reuse carries that id.
    StateRecord overwrite = nextGeneration(held, "overwrite");
    StateRecord sameContent = held.withSlot(BOB.run("r"), "k.reuse").withUpdatedAt(null);
    StateRecord otherContent = record(ALICE.run("r"), "k.reuse", "reuse").withId(held.id());
    StateRecord unrelated = nextGeneration(other, "unrelated");
    Map<String, List<StateRecord>> batches = new LinkedHashMap<>();
    batches.put("overwrite, then reuse with the same content", List.of(overwrite, sameContent));
    batches.put("reuse with the same content, then overwrite", List.of(sameContent, overwrite));
    batches.put(
        "overwrite, reuse with other content, unrelated",
        List.of(overwrite, otherContent, unrelated));
    batches.put(
        "unrelated, reuse with other content, overwrite",
        List.of(unrelated, otherContent, overwrite));
    batches.forEach(
        (what, batch) -> {
          assertRejected(what, IdempotencyConflictException.class, () -> store().saveAll(batch));
          assertThat(snapshot()).as("store content after: %s", what).isEqualTo(before);
          assertHolds(held);
          assertUnknown(overwrite.id());
        });

    // Two batches can: the first forgets the id, the second writes it again.
    store().saveAll(List.of(overwrite));
    store().saveAll(List.of(otherContent));
    assertHolds(stored(overwrite));
    assertHolds(stored(otherContent));
  }

  @Test
  void saveAll_replay_isIdempotent() {
    StateRecord a = record(ALICE.run("r"), "k.a", "a");
    StateRecord b = record(ALICE.run("r"), "k.b", "b");
    store().saveAll(List.of(a, b));
    List<StateRecord> before = snapshot();

    setClock(START.plusSeconds(60));
    store().saveAll(List.of(a, b));
    assertThat(snapshot()).isEqualTo(before);

    StateRecord c = record(ALICE.run("r"), "k.c", "c");
    store().saveAll(List.of(b, c, a));
    assertHolds(stored(a).withUpdatedAt(START.truncatedTo(ChronoUnit.MICROS)));
    assertHolds(stored(c));
    assertThat(store().load(b.identity(), "k.b").updatedAt())
        .isEqualTo(START.truncatedTo(ChronoUnit.MICROS));
    assertThat(snapshot()).hasSize(3);
  }

  @Test
  void saveAll_duplicateSlotInBatch_throwsInvalidRecord() {
    StateRecord a = record(ALICE.run("r"), "k.a", "a");
    StateRecord sameSlot = nextGeneration(a, "again");
    assertRejected(
        "same slot twice",
        InvalidRecordException.class,
        () -> store().saveAll(List.of(a, sameSlot)));
    assertRejected(
        "same record twice", InvalidRecordException.class, () -> store().saveAll(List.of(a, a)));
    assertThat(snapshot()).isEmpty();
  }

  @Test
  void saveAll_duplicateEventIdInBatch_throwsInvalidRecord() {
    StateRecord a = record(ALICE.run("r"), "k.a", "a");
    StateRecord sameId = a.withSlot(ALICE.run("r"), "k.b");
    assertRejected(
        "same event id at two slots",
        InvalidRecordException.class,
        () -> store().saveAll(List.of(a, sameId)));
    assertThat(snapshot()).isEmpty();
  }

  @Test
  void saveAll_emptyList_isNoOp() {
    StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
    store().saveAll(List.of());
    assertThat(snapshot()).containsExactly(live);
  }
}
