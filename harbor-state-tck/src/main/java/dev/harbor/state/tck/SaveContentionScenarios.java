package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.record;
import static dev.harbor.state.tck.Kit.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.tck.Race.Outcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Save under contention (CONTRACT.md 4.2): contention never makes a save fail; one event id never
 * ends up with two contents or slots.
 *
 * <ul>
 *   <li>128 concurrent saves of one slot under different ids all succeed and one record remains
 *       (one live id);
 *   <li>128 concurrent replays of one record all succeed;
 *   <li>128 concurrent saves of one event id with different contents (same slot or other slots)
 *       store exactly one, the rest get {@code IdempotencyConflictException}, nothing else.
 * </ul>
 */
abstract class SaveContentionScenarios extends Scenarios {

  SaveContentionScenarios(StateStoreTck kit) {
    super(kit);
  }

  /** Saves {@code writes.get(i)} on thread {@code i}, all at once, and returns what each did. */
  private List<Outcome<StateRecord>> saveTogether(List<StateRecord> writes) {
    return Race.runTogether(
        writes.size(),
        i ->
            () -> {
              store().save(writes.get(i));
              return writes.get(i);
            });
  }

  @Test
  void save_128ConcurrentWritersOfOneSlot_allSucceedAndOneIsStored() {
    List<StateRecord> writes = new ArrayList<>();
    for (int i = 0; i < 128; i++) {
      writes.add(record(ALICE.run("r"), "k.contended", "writer " + i));
    }
    Race.requireAllSucceeded("128 concurrent saves of one slot", saveTogether(writes));
    List<StateRecord> all = snapshot();
    assertThat(all).hasSize(1);
    assertThat(writes).extracting(StateRecord::id).contains(all.get(0).id());
    long live = writes.stream().filter(w -> store().findByEventId(w.id()).isPresent()).count();
    assertThat(live).as("live event ids after last-writer-wins").isEqualTo(1);
  }

  @Test
  void save_128ConcurrentReplaysOfOneRecord_allSucceed() {
    StateRecord r = record(ALICE.run("r"), "k.replayed", "same content");
    List<StateRecord> writes = new ArrayList<>();
    for (int i = 0; i < 128; i++) {
      writes.add(r);
    }
    Race.requireAllSucceeded("128 concurrent replays", saveTogether(writes));
    assertThat(snapshot()).containsExactly(stored(r));
  }

  @Test
  void save_128ConcurrentWritersOfOneEventIdWithDifferentContent_exactlyOneIsStored() {
    EventId id = EventId.newId();
    List<StateRecord> writes = new ArrayList<>();
    for (int i = 0; i < 128; i++) {
      // Half write the same slot with other bytes, half write other slots: both must conflict.
      Quadruple q = i % 2 == 0 ? ALICE.run("r") : ALICE.run("r" + i);
      writes.add(StateRecord.of(id, q, "k.one.id", utf8("content " + i)));
    }
    List<Outcome<StateRecord>> outcomes = saveTogether(writes);
    List<StateRecord> winners = Race.values(outcomes);
    Race.requireOnly(
        "128 concurrent saves of one event id", IdempotencyConflictException.class, outcomes);
    assertThat(winners).as("saves that succeeded").hasSize(1);
    assertThat(snapshot()).containsExactly(stored(winners.get(0)));
    assertThat(store().loadByEventId(id)).isEqualTo(stored(winners.get(0)));
  }
}
