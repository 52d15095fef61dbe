package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.BY_SLOT;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.record;
import static dev.harbor.state.tck.Kit.sorted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Cross-tenant and cross-session isolation (CONTRACT.md 5, lookups): equal user, session, run and
 * kind names under another tenant or session are independent slots for save and load; delete and
 * deleteScope touch only their own tenant and session; listKindForIdentity sees only its own
 * quadruple; an event id is global (a live id cannot be reused under another tenant).
 *
 * <p>Components compare as exact strings (CONTRACT.md 3.1): a tenant, user, session or run that
 * differs only in case, by a trailing space, or as the composed (NFC, U+00E9) against the
 * decomposed (NFD, {@code e} U+0301) spelling of {@code é} names another slot. All five spellings
 * coexist; each is found, listed and scanned only under itself; delete, deleteScope, eraseUser and
 * eraseTenant under one spelling erase only that spelling's record.
 */
abstract class IsolationScenarios extends Scenarios {

  private final Quadruple mine = new Quadruple("tenant-1", "user", "session", "run");
  private final Quadruple otherTenant = new Quadruple("tenant-2", "user", "session", "run");
  private final Quadruple otherSession = new Quadruple("tenant-1", "user", "session-2", "run");
  private final Quadruple otherUser = new Quadruple("tenant-1", "user-2", "session", "run");

  /**
   * One name in five spellings that are five names (CONTRACT.md 3.1): as given, in another case,
   * with a trailing space, and ending in {@code é} composed (NFC) and decomposed (NFD).
   */
  private static final List<String> SPELLINGS =
      List.of("Alice", "alice", "alice ", "alic\u00E9", "alice\u0301");

  private static final String SPELT = "k.spelt";

  /** A position of a slot's identity and the quadruple with a spelling in it, the rest fixed. */
  private record Position(String name, Function<String, Quadruple> at) {}

  private static final List<Position> POSITIONS =
      List.of(
          new Position("tenant", s -> new Quadruple(s, "user", "session", "run")),
          new Position("user", s -> new Quadruple("tenant", s, "session", "run")),
          new Position("session", s -> new Quadruple("tenant", "user", s, "run")),
          new Position("run", s -> new Quadruple("tenant", "user", "session", s)));

  IsolationScenarios(StateStoreTck kit) {
    super(kit);
  }

  /**
   * Saves kind {@link #SPELT} at every spelling of every position; returns what the store holds, by
   * position and spelling, in the order of {@link #POSITIONS} and {@link #SPELLINGS}.
   */
  private List<List<StateRecord>> saveEverySpelling() {
    assertThat(Normalizer.normalize(SPELLINGS.get(4), Normalizer.Form.NFC))
        .as("test data: the NFD spelling is the NFC one, normalized")
        .isEqualTo(SPELLINGS.get(3));
    List<List<StateRecord>> saved = new ArrayList<>();
    for (Position p : POSITIONS) {
      List<StateRecord> atPosition = new ArrayList<>();
      for (String s : SPELLINGS) {
        atPosition.add(save(record(p.at().apply(s), SPELT, p.name() + " [" + s + "]")));
      }
      saved.add(atPosition);
    }
    List<StateRecord> all = saved.stream().flatMap(List::stream).toList();
    assertThat(new HashSet<>(all.stream().map(StateRecord::identity).toList()))
        .as("test data: every spelling of every position is a quadruple of its own")
        .hasSize(all.size());
    return saved;
  }

  @Test
  void components_differingInCaseTrailingSpaceOrUnicodeForm_areDistinctSlots_thatCoexist() {
    List<List<StateRecord>> saved = saveEverySpelling();
    List<StateRecord> all = saved.stream().flatMap(List::stream).toList();

    assertThat(snapshot()).as("listKind: every spelling coexists").isEqualTo(sorted(all, BY_SLOT));
    assertThat(store().listKind(MAINTENANCE, "k", 100))
        .as("bounded listKind")
        .containsExactlyElementsOf(sorted(all, BY_SLOT));
    for (int p = 0; p < POSITIONS.size(); p++) {
      for (int i = 0; i < SPELLINGS.size(); i++) {
        StateRecord own = saved.get(p).get(i);
        String what = POSITIONS.get(p).name() + " [" + SPELLINGS.get(i) + "]";
        assertThat(store().find(own.identity(), SPELT)).as("find, %s", what).contains(own);
        assertThat(store().listKindForIdentity(own.identity(), "k"))
            .as("listKindForIdentity, %s", what)
            .containsExactly(own);
        assertThat(store().listKindForIdentity(own.identity(), "k", 10))
            .as("bounded listKindForIdentity, %s", what)
            .containsExactly(own);
      }
    }
    for (StateRecord own : saved.get(0)) {
      String tenant = own.identity().tenantId();
      ScanPage page = store().scanKindForTenant(MAINTENANCE, tenant, "k", 10, "");
      assertThat(page.records()).as("scanKindForTenant, tenant [%s]", tenant).containsExactly(own);
      assertThat(page.isLast()).as("scanKindForTenant, tenant [%s]: one page", tenant).isTrue();
    }
  }

  @Test
  void delete_underOneSpellingOfAComponent_leavesTheOtherSpellings() {
    List<List<StateRecord>> saved = saveEverySpelling();
    List<StateRecord> left = new ArrayList<>(snapshot());
    for (List<StateRecord> atPosition : saved) {
      for (StateRecord own : atPosition) {
        store().delete(own.identity(), SPELT);
        left.remove(own);
        assertThat(snapshot()).as("after delete at %s", own.identity()).isEqualTo(left);
        assertUnknown(own.id());
      }
    }
  }

  @Test
  void deleteScopeEraseUserAndEraseTenant_underOneSpelling_eraseOnlyThatSpelling() {
    List<List<StateRecord>> saved = saveEverySpelling();
    List<StateRecord> left = new ArrayList<>(snapshot());
    // Tenant, user and session each have an erasure of their own; a run has none (deleteScope
    // erases every run of its session).
    for (int p = 0; p < 3; p++) {
      for (StateRecord own : saved.get(p)) {
        Identity id = own.identity().identity();
        int erased =
            switch (POSITIONS.get(p).name()) {
              case "tenant" -> store().eraseTenant(MAINTENANCE, id.tenantId(), 10_000);
              case "user" -> store().eraseUser(MAINTENANCE, id.tenantId(), id.userId(), 10_000);
              default -> store().deleteScope(id);
            };
        left.remove(own);
        assertThat(erased).as("%s erasure at %s", POSITIONS.get(p).name(), id).isEqualTo(1);
        assertThat(snapshot()).as("after the erasure at %s", id).isEqualTo(left);
        assertUnknown(own.id());
      }
    }
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
    assertThat(store().findByEventId(mine.tenantId(), a.id())).contains(a);
    assertThat(store().findByEventId(otherTenant.tenantId(), a.id())).isEmpty();
  }
}
