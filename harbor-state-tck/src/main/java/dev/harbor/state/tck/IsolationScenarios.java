package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import org.junit.jupiter.api.Test;

/**
 * Cross-tenant and cross-session isolation (CONTRACT.md 5, lookups): equal user, session, run and
 * kind names under another tenant or session are independent slots for save and load; delete and
 * deleteScope touch only their own tenant and session; listKindForIdentity sees only its own
 * quadruple; an event id is global (a live id cannot be reused under another tenant).
 */
abstract class IsolationScenarios extends Scenarios {

  private final Quadruple mine = new Quadruple("tenant-1", "user", "session", "run");
  private final Quadruple otherTenant = new Quadruple("tenant-2", "user", "session", "run");
  private final Quadruple otherSession = new Quadruple("tenant-1", "user", "session-2", "run");
  private final Quadruple otherUser = new Quadruple("tenant-1", "user-2", "session", "run");

  IsolationScenarios(StateStoreTck kit) {
    super(kit);
  }

  /** The records {@link #saveOnePerSlot()} saved, by slot. */
  private record Saved(
      StateRecord mine, StateRecord otherTenant, StateRecord otherSession, StateRecord otherUser) {}

  /** Saves kind {@code k.x} at my slot and at each slot one component away from it. */
  private Saved saveOnePerSlot() {
    return new Saved(
        save(record(mine, "k.x", "mine")),
        save(record(otherTenant, "k.x", "other tenant")),
        save(record(otherSession, "k.x", "other session")),
        save(record(otherUser, "k.x", "other user")));
  }

  @Test
  void saveAndLoad_sameNamesUnderOtherTenantOrSession_areIndependentSlots() {
    Saved saved = saveOnePerSlot();

    assertThat(store().load(mine, "k.x")).isEqualTo(saved.mine());
    assertThat(store().load(otherTenant, "k.x")).isEqualTo(saved.otherTenant());
    assertThat(store().load(otherSession, "k.x")).isEqualTo(saved.otherSession());
    assertThat(store().load(otherUser, "k.x")).isEqualTo(saved.otherUser());
    assertAbsent(new Quadruple("tenant-3", "user", "session", "run"), "k.x");
  }

  @Test
  void delete_removesOnlyItsOwnTenantAndSession() {
    Saved saved = saveOnePerSlot();

    store().delete(mine, "k.x");
    assertAbsent(mine, "k.x");
    assertHolds(saved.otherTenant());
    assertHolds(saved.otherSession());
    assertHolds(saved.otherUser());
  }

  @Test
  void deleteScope_removesOnlyItsOwnTenantAndSession() {
    Saved saved = saveOnePerSlot();
    save(record(mine.identity().sessionScoped(), "k.y", "mine too"));

    assertThat(store().deleteScope(mine.identity())).isEqualTo(2);
    assertThat(snapshot())
        .containsExactlyInAnyOrder(saved.otherTenant(), saved.otherSession(), saved.otherUser());
  }

  @Test
  void listKindForIdentity_seesOnlyItsOwnQuadruple() {
    Saved saved = saveOnePerSlot();

    assertThat(store().listKindForIdentity(mine, "k")).containsExactly(saved.mine());
    assertThat(store().listKindForIdentity(mine, "k", 1000)).containsExactly(saved.mine());
    assertThat(store().listKindForIdentity(otherTenant, "k")).containsExactly(saved.otherTenant());
    assertThat(store().listKindForIdentity(otherSession, "k", 10))
        .containsExactly(saved.otherSession());
    assertThat(store().listKindForIdentity(otherUser, "k.x")).containsExactly(saved.otherUser());
  }

  @Test
  void eventIds_areGlobal_aLiveIdCannotBeReusedUnderAnotherTenant() {
    StateRecord a = save(record(mine, "k.x", "mine"));
    assertRejected(
        "same id under another tenant",
        IdempotencyConflictException.class,
        () -> store().save(a.withSlot(otherTenant, "k.x").withUpdatedAt(null)));
    assertAbsent(otherTenant, "k.x");
    assertThat(store().findByEventId(a.id())).contains(a);
  }
}
