package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.StateRecord;
import org.junit.jupiter.api.Test;

/**
 * Lookups by slot and by event id (CONTRACT.md 5, lookups): load of a missing slot throws {@code
 * RecordNotFoundException} (find is empty); loadByEventId round-trips; loadByEventId of an unknown
 * id throws {@code RecordNotFoundException} (findByEventId is empty); the empty run is a slot of
 * its own, not a wildcard.
 */
abstract class LookupsScenarios extends Scenarios {

  LookupsScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void load_missingSlot_throwsRecordNotFound() {
    save(record(ALICE.run("r"), "k.present", "v"));
    assertRejected(
        "load of a missing kind",
        RecordNotFoundException.class,
        () -> store().load(ALICE.run("r"), "k.missing"));
    assertRejected(
        "load of a missing run",
        RecordNotFoundException.class,
        () -> store().load(ALICE.run("other"), "k.present"));
    assertAbsent(ALICE.run("r"), "k.missing");
  }

  @Test
  void loadByEventId_liveId_roundTrips() {
    StateRecord r = save(record(ALICE.run("r"), "k.byid", "v").withVersion(3));
    assertThat(store().loadByEventId(r.id())).isEqualTo(r);
    assertThat(store().findByEventId(r.id())).contains(r);
    assertThat(store().loadByEventId(EventId.of(r.id().value())).identity())
        .isEqualTo(ALICE.run("r"));
  }

  @Test
  void loadByEventId_unknownId_throwsRecordNotFound() {
    StateRecord r = save(record(ALICE.run("r"), "k.byid", "v"));
    assertForgotten(EventId.newId());

    store().delete(r.identity(), r.kind());
    assertForgotten(r.id());
  }

  @Test
  void emptyRun_isItsOwnSlot() {
    StateRecord session = save(record(ALICE.sessionScoped(), "k.x", "session"));
    StateRecord run = save(record(ALICE.run("r1"), "k.x", "run"));

    assertThat(store().load(ALICE.sessionScoped(), "k.x")).isEqualTo(session);
    assertThat(store().load(ALICE.run("r1"), "k.x")).isEqualTo(run);
    assertThat(store().listKindForIdentity(ALICE.sessionScoped(), "k")).containsExactly(session);

    store().delete(ALICE.sessionScoped(), "k.x");
    assertAbsent(ALICE.sessionScoped(), "k.x");
    assertHolds(run);
    assertAbsent(ALICE.run("r2"), "k.x");
  }
}
