package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.START;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;
import static dev.harbor.state.tck.Kit.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.tck.Race.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * saveIf, multi-slot compare-and-swap (CONTRACT.md 4.4): an absent expectation creates; a stale
 * absent expectation fails with {@code ConditionFailedException} and changes nothing; a multi-slot
 * match writes next only (other slots are predicates); any mismatch leaves every slot unchanged; a
 * replay after success must expect the new id (then it is a no-op); next's slot not among the
 * expectations, empty expectations, a slot listed twice are {@code InvalidRecordException} (one
 * dynamic test each); next reusing a live event id of another slot is an {@code
 * IdempotencyConflictException}; 128 concurrent callers on one generation give exactly one winner
 * and 127 {@code ConditionFailedException}; the same for 128 callers expecting an absent slot.
 * (Null arguments: {@link NullArgumentsScenarios}.)
 */
abstract class SaveIfScenarios extends Scenarios {

  SaveIfScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void saveIf_absentExpectation_createsRecord() {
    StateRecord r = record(ALICE.run("r"), "k.cas", "v1");
    store().saveIf(List.of(absent(r)), r);
    assertHolds(stored(r));
  }

  @Test
  void saveIf_staleAbsentExpectation_throwsConditionFailedAndChangesNothing() {
    StateRecord live = save(record(ALICE.run("r"), "k.cas", "v1"));
    StateRecord next = nextGeneration(live, "v2");
    assertRejected(
        "absent expected, slot present",
        ConditionFailedException.class,
        () -> store().saveIf(List.of(absent(next)), next));
    assertHolds(live);
    assertUnknown(next.id());
  }

  @Test
  void saveIf_multiSlotMatch_writesNextOnly() {
    StateRecord a = save(record(ALICE.run("r"), "k.a", "a1"));
    StateRecord b = save(record(ALICE.run("r"), "k.b", "b1"));
    StateRecord next = nextGeneration(a, "a2");
    SlotExpectation cAbsent = SlotExpectation.absent(ALICE.run("r"), "k.c");
    store().saveIf(List.of(exact(a), exact(b), cAbsent), next);

    assertHolds(stored(next));
    assertUnknown(a.id());
    assertHolds(b);
    assertAbsent(ALICE.run("r"), "k.c");
  }

  @Test
  void saveIf_anyMismatch_leavesEverySlotUnchanged() {
    StateRecord a = save(record(ALICE.run("r"), "k.a", "a1"));
    StateRecord b = save(record(ALICE.run("r"), "k.b", "b1"));
    StateRecord bNext = save(nextGeneration(b, "b2"));
    List<StateRecord> before = snapshot();
    StateRecord next = nextGeneration(a, "a2");

    assertRejected(
        "stale exact on another slot",
        ConditionFailedException.class,
        () -> store().saveIf(List.of(exact(a), exact(b)), next));
    assertRejected(
        "absent expected on another slot that exists",
        ConditionFailedException.class,
        () -> store().saveIf(List.of(exact(a), absent(bNext)), next));
    assertRejected(
        "exact expected on a slot that is absent",
        ConditionFailedException.class,
        () ->
            store()
                .saveIf(
                    List.of(
                        exact(a), SlotExpectation.exact(ALICE.run("r"), "k.c", EventId.newId())),
                    next));
    assertRejected(
        "stale exact on the written slot",
        ConditionFailedException.class,
        () ->
            store()
                .saveIf(
                    List.of(SlotExpectation.exact(a.identity(), a.kind(), b.id()), exact(bNext)),
                    next));
    assertThat(snapshot()).isEqualTo(before);
    assertUnknown(next.id());
  }

  @Test
  void saveIf_replayAfterSuccess_mustExpectTheNewId() {
    StateRecord first = record(ALICE.run("r"), "k.cas", "v1");
    store().saveIf(List.of(absent(first)), first);
    StateRecord stored = stored(first);

    setClock(START.plusSeconds(60));
    assertRejected(
        "replay with the original (absent) expectation",
        ConditionFailedException.class,
        () -> store().saveIf(List.of(absent(first)), first));
    store().saveIf(List.of(exact(first)), first);
    assertHolds(stored);

    StateRecord second = nextGeneration(first, "v2");
    store().saveIf(List.of(exact(first)), second);
    assertRejected(
        "replay with the original (exact v1) expectation",
        ConditionFailedException.class,
        () -> store().saveIf(List.of(exact(first)), second));
    store().saveIf(List.of(exact(second)), second);
    assertHolds(stored(second));
  }

  @TestFactory
  Stream<DynamicTest> saveIf_shapeErrors_throwInvalidRecordAndChangeNothing() {
    StateRecord live = save(record(ALICE.run("r"), "k.a", "a1"));
    StateRecord next = nextGeneration(live, "a2");
    String m = "saveIf";
    return eachRejected(
        InvalidRecordException.class,
        Stream.of(
            rejects(
                m,
                "a next whose slot is not expected",
                () -> store().saveIf(List.of(exact(live)), record(ALICE.run("r"), "k.b", "b1"))),
            rejects(
                m,
                "a next of the expected kind in another run",
                () -> store().saveIf(List.of(exact(live)), record(ALICE.run("r2"), "k.a", "x"))),
            rejects(
                m,
                "empty expectations",
                () -> store().saveIf(List.of(), record(ALICE.run("r"), "k.c", "c1"))),
            rejects(
                m,
                "a slot expected twice with the same expectation",
                () -> store().saveIf(List.of(exact(live), exact(live)), next)),
            rejects(
                m,
                "a slot expected twice with different expectations",
                () -> store().saveIf(List.of(exact(live), absent(live)), next))));
  }

  @Test
  void saveIf_nextReusingLiveEventIdOfAnotherSlot_throwsIdempotencyConflict() {
    StateRecord live = save(record(ALICE.run("r"), "k.a", "a1"));
    StateRecord reuse = live.withSlot(ALICE.run("r"), "k.b").withUpdatedAt(null);
    assertRejected(
        "live id at another slot",
        IdempotencyConflictException.class,
        () -> store().saveIf(List.of(absent(reuse)), reuse));
    assertRejected(
        "live id, same slot, other bytes",
        IdempotencyConflictException.class,
        () -> store().saveIf(List.of(exact(live)), live.withBytes(utf8("x")).withUpdatedAt(null)));
    assertThat(snapshot()).containsExactly(live);
  }

  @Test
  void saveIf_128ConcurrentCallersOnOneGeneration_exactlyOneWins() {
    StateRecord current = save(record(ALICE.run("r"), "k.race", "gen-1"));
    List<StateRecord> candidates = new ArrayList<>();
    for (int i = 0; i < 128; i++) {
      candidates.add(nextGeneration(current, "gen-2 by " + i));
    }
    assertExactlyOneWinner(raceSaveIf(exact(current), candidates), current);
  }

  @Test
  void saveIf_128ConcurrentCallersExpectingAbsent_exactlyOneWins() {
    Quadruple q = ALICE.run("r");
    List<StateRecord> candidates = new ArrayList<>();
    for (int i = 0; i < 128; i++) {
      candidates.add(record(q, "k.race", "first by " + i));
    }
    assertExactlyOneWinner(raceSaveIf(SlotExpectation.absent(q, "k.race"), candidates), null);
  }

  /** Each candidate on a thread of its own, all at once, under the same expectation. */
  private List<Outcome<StateRecord>> raceSaveIf(
      SlotExpectation expected, List<StateRecord> candidates) {
    return Race.runTogether(
        candidates.size(),
        i ->
            () -> {
              store().saveIf(List.of(expected), candidates.get(i));
              return candidates.get(i);
            });
  }

  private void assertExactlyOneWinner(List<Outcome<StateRecord>> outcomes, StateRecord replaced) {
    List<StateRecord> winners = Race.values(outcomes);
    Race.requireOnly("128 concurrent saveIf", ConditionFailedException.class, outcomes);
    assertThat(winners).as("winners").hasSize(1);
    assertThat(outcomes.stream().filter(o -> o.error() instanceof ConditionFailedException).count())
        .as("ConditionFailedException count")
        .isEqualTo(127);
    StateRecord winner = winners.get(0);
    assertThat(store().load(winner.identity(), winner.kind())).isEqualTo(stored(winner));
    assertThat(snapshot()).containsExactly(stored(winner));
    if (replaced != null) {
      assertUnknown(replaced.id());
    }
  }
}
