package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.BOB;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.StateRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Erasure by slot and by identity (CONTRACT.md 4.9): delete removes the slot and forgets its id;
 * deleting an absent slot succeeds (idempotent); deleteScope removes every kind and run of one
 * identity and nothing else and returns the count; deleteScope forgets the ids; deleteScope is
 * idempotent (0 the second time, 0 for an unknown scope).
 */
abstract class DeleteAndDeleteScopeScenarios extends Scenarios {

  DeleteAndDeleteScopeScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void delete_existingSlot_removesItAndForgetsTheId() {
    StateRecord r = save(record(ALICE.run("r"), "k.d", "v"));
    StateRecord other = save(record(ALICE.run("r"), "k.other", "v"));
    store().delete(r.identity(), r.kind());
    assertGone(r);
    assertRejected(
        "load after delete",
        RecordNotFoundException.class,
        () -> store().load(r.identity(), r.kind()));
    assertHolds(other);
    assertIdReusable(r.id());
  }

  @Test
  void delete_absentSlot_succeedsAndIsIdempotent() {
    StateRecord r = save(record(ALICE.run("r"), "k.d", "v"));
    store().delete(ALICE.run("r"), "k.never");
    store().delete(r.identity(), r.kind());
    store().delete(r.identity(), r.kind());
    assertThat(snapshot()).isEmpty();
  }

  @Test
  void deleteScope_removesEveryKindAndRunOfOneIdentityOnly_andReturnsTheCount() {
    List<StateRecord> mine =
        List.of(
            save(record(ALICE.sessionScoped(), "k.a", "1")),
            save(record(ALICE.sessionScoped(), "k.b", "2")),
            save(record(ALICE.run("r1"), "k.a", "3")),
            save(record(ALICE.run("r2"), "k.c", "4")));
    String t = ALICE.tenantId();
    String u = ALICE.userId();
    String s = ALICE.sessionId();
    List<StateRecord> others =
        List.of(
            save(record(new Quadruple(t, u, "session-other", ""), "k.a", "5")),
            save(record(new Quadruple(t, "user-other", s, ""), "k.a", "6")),
            save(record(new Quadruple("tenant-other", u, s, ""), "k.a", "7")),
            save(record(BOB.run("r1"), "k.a", "8")));
    assertThat(mine).hasSize(4);

    assertThat(store().deleteScope(ALICE)).isEqualTo(4);
    assertThat(snapshot()).containsExactlyInAnyOrderElementsOf(others);
  }

  @Test
  void deleteScope_forgetsTheEventIds() {
    StateRecord a = save(record(ALICE.sessionScoped(), "k.a", "1"));
    StateRecord b = save(record(ALICE.run("r1"), "k.b", "2"));
    assertThat(store().deleteScope(ALICE)).isEqualTo(2);
    assertForgotten(a.id());
    assertUnknown(b.id());
    assertIdReusable(a.id());
  }

  @Test
  void deleteScope_isIdempotent() {
    save(record(ALICE.run("r"), "k.a", "1"));
    StateRecord bob = save(record(BOB.run("r"), "k.a", "2"));
    assertThat(store().deleteScope(ALICE)).isEqualTo(1);
    assertThat(store().deleteScope(ALICE)).isEqualTo(0);
    assertThat(store().deleteScope(new Identity("tenant-none", "user-none", "session-none")))
        .isEqualTo(0);
    assertThat(snapshot()).containsExactly(bob);
  }
}
