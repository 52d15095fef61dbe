package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * deleteIf, delete exactly one generation (CONTRACT.md 4.6): the exact generation is deleted
 * ({@code true}, id forgotten); a stale generation returns {@code false} and keeps the slot; an
 * absent slot returns {@code false}; an absent expectation, an empty event id or kind and an
 * incomplete identity are rejected with nothing changed; 32 rounds of deleteIf racing a save of the
 * next generation never delete the new generation. (A null expectation: {@link
 * NullArgumentsScenarios}.)
 */
abstract class DeleteIfScenarios extends Scenarios {

  DeleteIfScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void deleteIf_exactGeneration_deletesAndReturnsTrue() {
    StateRecord r = save(record(ALICE.run("r"), "k.d", "v"));
    StateRecord other = save(record(ALICE.run("r"), "k.other", "v"));
    assertThat(store().deleteIf(exact(r))).isTrue();
    assertGone(r);
    assertHolds(other);
  }

  @Test
  void deleteIf_staleGeneration_returnsFalseAndKeepsSlot() {
    StateRecord first = save(record(ALICE.run("r"), "k.d", "v1"));
    StateRecord second = save(nextGeneration(first, "v2"));
    assertThat(store().deleteIf(exact(first))).isFalse();
    assertThat(
            store()
                .deleteIf(SlotExpectation.exact(first.identity(), first.kind(), EventId.newId())))
        .isFalse();
    assertHolds(second);
  }

  @Test
  void deleteIf_absentSlot_returnsFalse() {
    StateRecord other = save(record(ALICE.run("r"), "k.other", "v"));
    assertThat(store().deleteIf(SlotExpectation.exact(ALICE.run("r"), "k.d", EventId.newId())))
        .isFalse();
    assertThat(store().deleteIf(SlotExpectation.exact(ALICE.run("r"), "k.other", EventId.newId())))
        .isFalse();
    assertThat(snapshot()).containsExactly(other);
  }

  @Test
  void deleteIf_invalidExpectations_throwAndChangeNothing() {
    StateRecord r = save(record(ALICE.run("r"), "k.d", "v"));
    assertRejected(
        "absent expectation", InvalidRecordException.class, () -> store().deleteIf(absent(r)));
    assertRejected(
        "expectation with an empty event id",
        InvalidRecordException.class,
        () -> store().deleteIf(SlotExpectation.exact(r.identity(), r.kind(), EventId.of(""))));
    assertRejected(
        "empty kind",
        InvalidRecordException.class,
        () -> store().deleteIf(SlotExpectation.exact(r.identity(), "", r.id())));
    assertRejected(
        "incomplete identity",
        IdentityRequiredException.class,
        () ->
            store()
                .deleteIf(
                    SlotExpectation.exact(
                        new Quadruple("tenant-a", "", "session-a", "r"), r.kind(), r.id())));
    assertThat(snapshot()).containsExactly(r);
  }

  @Test
  void deleteIf_racingSaveOfNextGeneration_neverDeletesTheNewGeneration() {
    for (int round = 0; round < 32; round++) {
      StateRecord current = save(record(ALICE.run("r"), "k.race", "gen " + round));
      StateRecord next = nextGeneration(current, "gen " + round + " next");
      Callable<Boolean> deleteIf = () -> store().deleteIf(exact(current));
      Callable<Boolean> saveNext =
          () -> {
            store().save(next);
            return Boolean.TRUE;
          };
      Race.requireAllSucceeded(
          "round " + round, Race.runTogether(2, i -> i == 0 ? deleteIf : saveNext));
      assertThat(store().find(next.identity(), next.kind()))
          .as("round %d: the new generation survives", round)
          .contains(stored(next));
      assertUnknown(current.id());
      store().delete(next.identity(), next.kind());
    }
  }
}
