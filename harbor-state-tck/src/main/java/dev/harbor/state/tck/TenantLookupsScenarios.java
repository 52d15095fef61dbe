package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.companion;
import static dev.harbor.state.tck.Kit.record;
import static dev.harbor.state.tck.Kit.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.tck.StoreMethods.WriteMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Tenant-scoped lookups by event id (SPEC 9.2, CONTRACT.md 4.8): {@code findByEventId(tenant, id)}
 * and {@code loadByEventId(tenant, id)} return the live record of that event id only if it is the
 * tenant's. A live id of another tenant is a miss exactly like an id that is not live: empty, or
 * {@code RecordNotFoundException} with the same message but for the id, naming nothing of the other
 * tenant; tenants that differ only in case, a trailing space, Unicode form or by a prefix are other
 * tenants; overwritten and deleted ids are misses; the unscoped lookups still find every tenant's
 * ids. Their checks, in order: closed, interrupted, an empty or null tenant ({@code
 * IdentityRequiredException}), a bad tenant or event id ({@code InvalidRecordException}), a null
 * event id ({@code NullPointerException}); the tables of the other groups cover them too.
 *
 * <p>{@code IdempotencyConflictException} says the same thing whether the event id is live in
 * another slot of the caller's tenant or in another tenant, for every write method, and its message
 * and causes name nothing of the other tenant's slot.
 */
abstract class TenantLookupsScenarios extends Scenarios {

  /** Another tenant's slot; each component is distinctive, so a message naming one shows. */
  private static final Quadruple THEIRS =
      new Quadruple("tenant-theirs-7", "user-theirs-7", "session-theirs-7", "run-theirs-7");

  private static final String THEIR_KIND = "k.theirs-7";

  private static final String ALICE_T = ALICE.tenantId();

  TenantLookupsScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void ownTenantsLiveId_isFound() {
    StateRecord r = save(record(ALICE.run("r"), "k.byid", "v").withVersion(7));
    assertThat(store().findByEventId(ALICE_T, r.id())).contains(r);
    assertThat(store().loadByEventId(ALICE_T, r.id())).isEqualTo(r);
    assertThat(store().loadByEventId(ALICE_T, EventId.of(r.id().value())).identity())
        .isEqualTo(ALICE.run("r"));
  }

  @Test
  void anotherTenantsLiveId_isAMiss_likeAnIdThatIsNotLive() {
    StateRecord theirs = save(record(THEIRS, THEIR_KIND, "their secret payload"));
    EventId nowhere = EventId.newId();

    assertThat(store().findByEventId(ALICE_T, theirs.id())).isEmpty();
    assertThat(store().findByEventId(ALICE_T, nowhere)).isEmpty();
    Throwable live = catchThrowable(() -> store().loadByEventId(ALICE_T, theirs.id()));
    Throwable notLive = catchThrowable(() -> store().loadByEventId(ALICE_T, nowhere));
    assertThat(live).isInstanceOf(RecordNotFoundException.class);
    assertThat(notLive).isInstanceOf(RecordNotFoundException.class);
    assertThat(live.getMessage())
        .as("the message for another tenant's live id, with the id replaced")
        .isEqualTo(notLive.getMessage().replace(nowhere.value(), theirs.id().value()));
    assertNamesNothingOfTheirs(live);

    // The record is untouched, and the unscoped lookup (administration) and its own tenant find it.
    assertHolds(theirs);
    assertThat(store().loadByEventId(THEIRS.tenantId(), theirs.id())).isEqualTo(theirs);
  }

  @Test
  void tenantsThatDifferOnlyInSpellingOrByAPrefix_areOtherTenants() {
    StateRecord r = save(record(new Quadruple("Alic\u00E9", "u", "s", ""), "k.x", "v"));
    for (String other :
        List.of("alic\u00E9", "Alic\u00E9 ", "Alice\u0301", "Alic", "Alic\u00E9x", "Alic\u00C9")) {
      assertThat(store().findByEventId(other, r.id())).as("tenant %s", other).isEmpty();
      assertRejected(
          "loadByEventId under tenant " + other,
          RecordNotFoundException.class,
          () -> store().loadByEventId(other, r.id()));
    }
    assertThat(store().findByEventId("Alic\u00E9", r.id())).contains(r);
  }

  @Test
  void overwrittenAndDeletedIds_areMisses() {
    StateRecord first = save(record(ALICE.run("r"), "k.gen", "1"));
    StateRecord second = save(Kit.nextGeneration(first, "2"));
    assertThat(store().findByEventId(ALICE_T, first.id())).isEmpty();
    assertThat(store().findByEventId(ALICE_T, second.id())).contains(second);

    store().delete(second.identity(), second.kind());
    assertThat(store().findByEventId(ALICE_T, second.id())).isEmpty();
    assertRejected(
        "loadByEventId of a deleted id",
        RecordNotFoundException.class,
        () -> store().loadByEventId(ALICE_T, second.id()));
  }

  @Test
  void eachTenantFindsOnlyItsOwn_amongManyTenants() {
    List<StateRecord> saved = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      saved.add(save(record(new Quadruple("tenant-" + t, "u", "s", "r"), "k.many", "t" + t)));
    }
    for (int t = 0; t < 8; t++) {
      for (StateRecord r : saved) {
        boolean own = r.identity().tenantId().equals("tenant-" + t);
        assertThat(store().findByEventId("tenant-" + t, r.id()))
            .as("tenant-%d looks up the id of %s", t, r.identity().tenantId())
            .isEqualTo(own ? Optional.of(r) : Optional.empty());
      }
    }
  }

  /**
   * The conflict a caller of tenant ALICE meets when writing {@code id} to its slot, with the id
   * live elsewhere.
   */
  private Throwable conflictOf(WriteMethod m, EventId id) {
    StateRecord mine = StateRecord.of(id, ALICE.run("r"), "k.mine", utf8("my payload"));
    Throwable t = catchThrowable(() -> m.call().write(store(), mine, absent(mine), companion()));
    assertThat(t).as("%s of a live id of another slot", m.name()).isNotNull();
    assertThat(t).as(m.name()).isInstanceOf(IdempotencyConflictException.class);
    return t;
  }

  @TestFactory
  Stream<DynamicTest>
      idempotencyConflict_isWordedAlike_whetherTheIdIsLiveInTheCallersTenantOrAnother() {
    return StoreMethods.WRITE_METHODS.stream()
        .map(
            m ->
                DynamicTest.dynamicTest(
                    m.name() + " words the conflict alike for its own tenant and another",
                    () -> {
                      EventId id = EventId.newId();
                      // Live in another tenant's slot.
                      StateRecord theirs =
                          save(StateRecord.of(id, THEIRS, THEIR_KIND, utf8("theirs")));
                      Throwable inAnotherTenant = conflictOf(m, id);
                      assertNamesNothingOfTheirs(inAnotherTenant);
                      store().delete(theirs.identity(), theirs.kind());

                      // Live in another slot of the caller's own tenant.
                      StateRecord ownOther =
                          save(StateRecord.of(id, ALICE.run("r2"), "k.other", utf8("mine too")));
                      Throwable inOwnTenant = conflictOf(m, id);
                      store().delete(ownOther.identity(), ownOther.kind());

                      assertThat(inAnotherTenant.getMessage())
                          .as("%s: the conflict's message", m.name())
                          .isEqualTo(inOwnTenant.getMessage());
                      assertThat(inAnotherTenant.getClass()).isEqualTo(inOwnTenant.getClass());
                      assertThat(snapshot()).as("nothing written").isEmpty();
                    }));
  }

  @Test
  void tenantsRacingForOneNewEventId_oneWins_theLosersConflictsNameNoOtherTenant() {
    // Concurrent first writes reach the paths a sequential conflict does not: the unique index
    // refusing the second slot, a group commit's member. Eight tenants, each slot's components
    // its own ("-race-3"), twenty rounds.
    for (int round = 0; round < 20; round++) {
      EventId id = EventId.newId();
      List<StateRecord> writes = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Quadruple q = new Quadruple("tenant-race-" + t, "user-race-" + t, "session-race-" + t, "");
        writes.add(StateRecord.of(id, q, "k.race-" + t, utf8("payload-race-" + t)));
      }
      List<Race.Outcome<StateRecord>> outcomes =
          Race.runTogether(
              writes.size(),
              i ->
                  () -> {
                    store().save(writes.get(i));
                    return writes.get(i);
                  });
      Race.requireOnly(
          "8 tenants saving one new event id", IdempotencyConflictException.class, outcomes);
      List<StateRecord> winners = Race.values(outcomes);
      assertThat(winners).as("round %d: saves that succeeded", round).hasSize(1);
      for (int t = 0; t < outcomes.size(); t++) {
        Throwable lost = outcomes.get(t).error();
        if (lost == null) {
          continue;
        }
        for (int other = 0; other < writes.size(); other++) {
          if (other != t) {
            assertNamesNothingOf(lost, "-race-" + other);
          }
        }
      }
      StateRecord winner = winners.get(0);
      store().delete(winner.identity(), winner.kind());
    }
  }

  /** Neither the exception nor any of its causes names a component of the other tenant's slot. */
  private static void assertNamesNothingOfTheirs(Throwable thrown) {
    assertNamesNothingOf(
        thrown,
        THEIRS.tenantId(),
        THEIRS.userId(),
        THEIRS.sessionId(),
        THEIRS.runId(),
        THEIR_KIND,
        "theirs-7");
  }

  /** Neither the exception nor any of its causes mentions any of {@code theirs}. */
  private static void assertNamesNothingOf(Throwable thrown, String... theirs) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      for (String s : theirs) {
        assertThat(message)
            .as("message of %s (in the chain of %s)", t.getClass().getName(), thrown)
            .doesNotContain(s);
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> checks_inOrder_closedInterruptedTenantStringsThenNull() {
    StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
    EventId bad = EventId.of("k\u0000");
    Stream<DynamicTest> identity =
        eachRejected(
            IdentityRequiredException.class,
            Stream.of(
                rejects(
                    "findByEventId",
                    "an empty tenant before a bad event id",
                    () -> store().findByEventId("", bad)),
                rejects(
                    "loadByEventId",
                    "a null tenant before a null event id",
                    () -> store().loadByEventId(null, null)),
                rejects(
                    "loadByEventId",
                    "an empty tenant of a live id",
                    () -> store().loadByEventId("", live.id()))));
    Stream<DynamicTest> strings =
        eachRejected(
            InvalidRecordException.class,
            Stream.of(
                rejects(
                    "findByEventId",
                    "a bad tenant before a null event id",
                    () -> store().findByEventId("k\uD800", null)),
                rejects(
                    "loadByEventId",
                    "an empty event id",
                    () -> store().loadByEventId(ALICE_T, EventId.of("")))));
    Stream<DynamicTest> nulls =
        eachRejected(
            NullPointerException.class,
            Stream.of(
                rejects(
                    "findByEventId", "a null event id", () -> store().findByEventId(ALICE_T, null)),
                rejects(
                    "loadByEventId",
                    "a null event id",
                    () -> store().loadByEventId(ALICE_T, null))));
    Stream<DynamicTest> interrupted =
        eachRejected(
            OperationCancelledException.class,
            Stream.of(
                rejects(
                    "findByEventId",
                    "on an interrupted thread before an empty tenant",
                    onInterruptedThread(() -> store().findByEventId("", null)))));
    Stream<DynamicTest> closed =
        Stream.of(
            DynamicTest.dynamicTest(
                "findByEventId and loadByEventId on a closed store throw StoreClosedException"
                    + " before an empty tenant",
                () -> {
                  store().close();
                  assertRejected(
                      "findByEventId after close",
                      StoreClosedException.class,
                      () -> store().findByEventId("", null));
                  assertRejected(
                      "loadByEventId after close",
                      StoreClosedException.class,
                      () -> store().loadByEventId("", null));
                }));
    return Stream.of(identity, strings, nulls, interrupted, closed).flatMap(s -> s);
  }
}
