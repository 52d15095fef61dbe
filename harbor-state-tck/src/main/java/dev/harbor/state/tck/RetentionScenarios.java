package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.BOB;
import static dev.harbor.state.tck.Kit.EMOJI;
import static dev.harbor.state.tck.Kit.START;
import static dev.harbor.state.tck.Kit.STOP;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.tck.Race.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * Retention and wide erasure (CONTRACT.md 4.12): purge deletes the tenant's records of a literal
 * kind prefix stamped strictly before the cutoff (one stamped exactly at it is kept), oldest first
 * with ties in slot order (UTF-8 bytes), at most {@code limit} per call, until a call returns 0;
 * eraseUser and eraseTenant delete a user's or a tenant's records in steps the same way. Other
 * tenants, users, prefixes and newer records are untouched; deleted event ids are forgotten and may
 * be used again. The checks, in order, are {@link RetentionChecksScenarios}'s.
 *
 * <p>A long purge racing saves: a save of a newer record is never deleted by a purge running beside
 * it and never fails, whether it replaces a record the purge is deleting at that moment or writes a
 * new slot; the purge deletes every old record that was not replaced, and then returns 0. The race
 * is steered, not left to chance: the old records are stamped one microsecond apart, so the slots
 * each purge step takes are known in advance, and before every step the purger and the savers meet
 * at a barrier; then the savers replace exactly the slots that step is picking, and add new ones,
 * while the step runs.
 */
abstract class RetentionScenarios extends RetentionChecksScenarios {

  private static final String TENANT = ALICE.tenantId();

  /** A whole microsecond, as stored: the kit's START has nanoseconds, which a store truncates. */
  private static final Instant T0 = START.truncatedTo(ChronoUnit.MICROS);

  private static final Instant CUTOFF = T0.plus(Duration.ofDays(30));
  private static final String RACE_TENANT = "tenant-race";
  private static final int STEP = 8;
  private static final int STEPS = 30;
  private static final int SAVERS = 2;

  RetentionScenarios(StateStoreTck kit) {
    super(kit);
  }

  /** Saves a record of {@code kind} at {@code q} stamped {@code at}. */
  private StateRecord saveAt(Quadruple q, String kind, Instant at) {
    return save(record(q, kind, q + "/" + kind + "@" + at).withUpdatedAt(at));
  }

  /** Repeats a step until it returns 0; returns the counts of the steps, the final 0 included. */
  private static List<Integer> untilZero(IntSupplier step) {
    List<Integer> counts = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      int n = step.getAsInt();
      counts.add(n);
      if (n == 0) {
        return counts;
      }
    }
    throw new AssertionError("the step never returned 0: " + counts);
  }

  private int purge(String prefix, Instant olderThan, int limit) {
    return store().purge(MAINTENANCE, TENANT, prefix, olderThan, limit);
  }

  @Test
  void purge_keepsARecordStampedExactlyAtTheCutoff() {
    StateRecord before = saveAt(ALICE.run("r"), "k.before", CUTOFF.minusNanos(1_000));
    StateRecord at = saveAt(ALICE.run("r"), "k.at", CUTOFF);
    StateRecord after = saveAt(ALICE.run("r"), "k.after", CUTOFF.plusNanos(1_000));
    assertThat(purge("k", CUTOFF, 100)).isEqualTo(1);
    assertGone(before);
    assertHolds(at);
    assertHolds(after);
    // One nanosecond later the record at the old cutoff is strictly before the new one.
    assertThat(purge("k", CUTOFF.plusNanos(1), 100)).isEqualTo(1);
    assertGone(at);
    assertHolds(after);
  }

  @Test
  void purge_deletesOldestFirst_tiesInSlotOrderByUtf8Bytes() {
    Instant old = T0;
    Instant older = T0.minusSeconds(60);
    List<StateRecord> all = new ArrayList<>();
    // Ties at `old` across user, session, run and kind, with strings whose UTF-8 order differs from
    // their UTF-16 order (U+FF61 sorts before an emoji in UTF-8, after it in UTF-16).
    for (String user : List.of("u-" + EMOJI, "u-" + STOP, "u-a")) {
      all.add(saveAt(new Quadruple(TENANT, user, "s", ""), "k.x", old));
    }
    all.add(saveAt(new Quadruple(TENANT, "u-a", "s", "r-" + EMOJI), "k.x", old));
    all.add(saveAt(new Quadruple(TENANT, "u-a", "s", "r-" + STOP), "k.x", old));
    all.add(saveAt(new Quadruple(TENANT, "u-a", "s", ""), "k." + EMOJI, old));
    all.add(saveAt(new Quadruple(TENANT, "u-a", "s", ""), "k." + STOP, old));
    all.add(saveAt(new Quadruple(TENANT, "u-z", "s", ""), "k.x", older));
    all.add(saveAt(new Quadruple(TENANT, "u-a", "s-" + STOP, ""), "k.x", older.plusNanos(1000)));
    List<StateRecord> expected =
        Kit.sorted(
            all, Comparator.comparing((StateRecord r) -> r.updatedAt()).thenComparing(Kit.BY_SLOT));
    List<StateRecord> deletedInOrder = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      List<StateRecord> left = snapshot();
      assertThat(purge("k", CUTOFF, 1)).as("step %d", i).isEqualTo(1);
      List<StateRecord> now = snapshot();
      left.removeAll(now);
      deletedInOrder.addAll(left);
    }
    assertThat(purge("k", CUTOFF, 1)).isZero();
    assertThat(deletedInOrder).containsExactlyElementsOf(expected);
  }

  @Test
  void purge_matchesThePrefixLiterally() {
    List<String> kinds = List.of("k%a", "kXa", "k_a", "kza", "k\\a", "k*a", "k?a", "K%a", "k%");
    for (String kind : kinds) {
      saveAt(ALICE.run("r"), kind, T0);
    }
    for (String prefix : List.of("k%", "k_", "k\\", "k*", "k?")) {
      List<StateRecord> before = snapshot();
      List<StateRecord> matching =
          before.stream().filter(r -> r.kind().startsWith(prefix)).toList();
      assertThat(untilZero(() -> purge(prefix, CUTOFF, 100)).stream().mapToInt(i -> i).sum())
          .as("prefix %s", prefix)
          .isEqualTo(matching.size());
      List<StateRecord> expected = new ArrayList<>(before);
      expected.removeAll(matching);
      assertThat(snapshot()).as("after prefix %s", prefix).isEqualTo(expected);
    }
    assertThat(snapshot()).extracting(StateRecord::kind).containsExactlyInAnyOrder("kXa", "kza");
    assertThat(store().listKind(MAINTENANCE, "K")).hasSize(1);
  }

  @Test
  void purge_leavesOtherTenantsPrefixesAndNewerRecordsUntouched() {
    List<StateRecord> doomed = new ArrayList<>();
    List<StateRecord> kept = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Quadruple q = new Quadruple(TENANT, "user-" + i, "session-" + i, i % 2 == 0 ? "" : "r");
      doomed.add(saveAt(q, "k.ckpt." + i, T0.plusSeconds(i)));
      kept.add(saveAt(q, "k.other." + i, T0));
      kept.add(saveAt(q, "k.ckpt.new." + i, CUTOFF.plusSeconds(i)));
      kept.add(saveAt(BOB.run("r" + i), "k.ckpt." + i, T0));
      kept.add(saveAt(new Quadruple("tenant-a2", q.userId(), q.sessionId(), ""), "k.ckpt", T0));
    }
    assertThat(untilZero(() -> purge("k.ckpt", CUTOFF, 2))).containsExactly(2, 2, 1, 0);
    doomed.forEach(this::assertGone);
    assertThat(snapshot()).containsExactlyInAnyOrderElementsOf(kept);
  }

  @Test
  void purge_respectsTheLimit_andNothingMatchingReturnsZero() {
    for (int i = 0; i < 7; i++) {
      saveAt(ALICE.run("r"), "k.old." + i, T0.plusSeconds(i));
    }
    assertThat(purge("k.none", CUTOFF, 10)).isZero();
    assertThat(purge("k", T0, 10)).as("a cutoff before every record").isZero();
    assertThat(untilZero(() -> purge("k", CUTOFF, 3))).containsExactly(3, 3, 1, 0);
    assertThat(snapshot()).isEmpty();
  }

  @Test
  void purge_withCutoffsBeyondTheStorableRange_deletesAllOrNothing() {
    StateRecord first = saveAt(ALICE.run("r"), "k.first", StateRecord.MIN_UPDATED_AT);
    StateRecord last = saveAt(ALICE.run("r"), "k.last", StateRecord.MAX_UPDATED_AT);
    assertThat(purge("k", StateRecord.MIN_UPDATED_AT, 10)).isZero();
    assertThat(purge("k", Instant.MIN, 10)).isZero();
    assertHolds(first);
    assertThat(purge("k", StateRecord.MAX_UPDATED_AT, 10)).isEqualTo(1);
    assertGone(first);
    assertHolds(last);
    assertThat(purge("k", Instant.MAX, 10)).isEqualTo(1);
    assertGone(last);
  }

  @Test
  void purge_forgetsTheEventIds_whichMayBeUsedAgain() {
    StateRecord a = saveAt(ALICE.run("r"), "k.a", T0);
    StateRecord b = saveAt(ALICE.sessionScoped(), "k.b", T0);
    assertThat(purge("k", CUTOFF, 10)).isEqualTo(2);
    assertForgotten(a.id());
    assertForgotten(b.id());
    assertIdReusable(a.id());
    assertHolds(save(StateRecord.of(b.id(), ALICE.run("r"), "k.a", Kit.utf8("b again"))));
  }

  @Test
  void eraseUser_deletesEveryRecordOfTheUserInSteps_andNothingElse() {
    List<StateRecord> mine = new ArrayList<>();
    List<StateRecord> others = new ArrayList<>();
    String user = ALICE.userId();
    for (int i = 0; i < 3; i++) {
      mine.add(save(record(new Quadruple(TENANT, user, "s" + i, ""), "k.a", "1")));
      mine.add(save(record(new Quadruple(TENANT, user, "s" + i, "r" + i), "k.b", "2")));
      others.add(save(record(new Quadruple(TENANT, user + "2", "s" + i, ""), "k.a", "3")));
      others.add(save(record(new Quadruple(TENANT, "a" + user, "s" + i, ""), "k.a", "4")));
      others.add(save(record(new Quadruple("tenant-other", user, "s" + i, ""), "k.a", "5")));
    }
    assertThat(untilZero(() -> store().eraseUser(MAINTENANCE, TENANT, user, 4)))
        .containsExactly(4, 2, 0);
    mine.forEach(this::assertGone);
    assertThat(snapshot()).containsExactlyInAnyOrderElementsOf(others);
    assertIdReusable(mine.get(0).id());
    assertThat(store().eraseUser(MAINTENANCE, TENANT, "user-none", 10)).isZero();
  }

  @Test
  void eraseTenant_deletesEveryRecordOfTheTenantInSteps_andNothingElse() {
    List<StateRecord> mine = new ArrayList<>();
    List<StateRecord> others = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      mine.add(save(record(new Quadruple(TENANT, "u" + i, "s", i % 2 == 0 ? "" : "r"), "k.a", "")));
      mine.add(save(record(new Quadruple(TENANT, "u" + i, "s" + i, ""), "k.b" + i, "x")));
      others.add(save(record(new Quadruple(TENANT + "x", "u" + i, "s", ""), "k.a", "y")));
      others.add(save(record(new Quadruple("t" + TENANT, "u" + i, "s", ""), "k.a", "z")));
    }
    others.add(save(record(BOB.run("r"), "k.a", "bob")));
    assertThat(untilZero(() -> store().eraseTenant(MAINTENANCE, TENANT, 3)))
        .containsExactly(3, 3, 2, 0);
    mine.forEach(this::assertGone);
    assertThat(snapshot()).containsExactlyInAnyOrderElementsOf(others);
    assertIdReusable(mine.get(7).id());
    assertThat(store().eraseTenant(MAINTENANCE, "tenant-none", 10)).isZero();
  }

  private static Quadruple raceSlot(int i) {
    return new Quadruple(RACE_TENANT, "user-" + (i % 5), "session-" + i, "");
  }

  @Test
  void purge_racingSavesOfNewerRecords_neverDeletesThemAndNeverFailsThem() throws Exception {
    int total = STEP * STEPS;
    for (int i = 0; i < total; i++) {
      save(record(raceSlot(i), "k.ckpt", "old " + i).withUpdatedAt(T0.plusNanos(1000L * i)));
    }
    setClock(CUTOFF.plus(Duration.ofHours(1))); // every save below is newer than the cutoff
    CyclicBarrier everyStep = new CyclicBarrier(SAVERS + 1);
    List<List<StateRecord>> saved = new ArrayList<>();
    for (int t = 0; t < SAVERS; t++) {
      saved.add(new ArrayList<>());
    }
    List<Outcome<Integer>> outcomes =
        Race.runTogether(
            SAVERS + 1,
            worker ->
                () -> {
                  if (worker == SAVERS) {
                    return purgeStepByStep(everyStep);
                  }
                  List<StateRecord> mine = saved.get(worker);
                  for (int step = 0; step < STEPS; step++) {
                    meet(everyStep);
                    // Every other slot of the step the purge is taking now, and a new slot.
                    for (int j = worker; j < STEP; j += SAVERS * 2) {
                      StateRecord newer = record(raceSlot(step * STEP + j), "k.ckpt", "newer");
                      store().save(newer);
                      mine.add(stored(newer));
                    }
                    StateRecord fresh = record(raceSlot(total + step), "k.ckpt." + worker, "new");
                    store().save(fresh);
                    mine.add(stored(fresh));
                  }
                  return mine.size();
                });
    Race.requireAllSucceeded("a purge racing saves", outcomes);
    List<StateRecord> newer = saved.stream().flatMap(List::stream).toList();
    newer.forEach(this::assertHolds);
    assertThat(snapshot()).containsExactlyInAnyOrderElementsOf(newer);
    int purged = outcomes.get(SAVERS).value();
    int replaced = newer.size() - STEPS * SAVERS;
    assertThat(purged).isBetween(total - replaced, total);
  }

  /** The purger: meets the savers before each step of its first STEPS, then runs until 0. */
  private int purgeStepByStep(CyclicBarrier everyStep) throws Exception {
    int purged = 0;
    for (int step = 0; ; step++) {
      if (step < STEPS) {
        meet(everyStep);
      }
      int n = store().purge(MAINTENANCE, RACE_TENANT, "k.ckpt", CUTOFF, STEP);
      purged += n;
      if (n == 0 && step >= STEPS) {
        return purged;
      }
    }
  }

  private static void meet(CyclicBarrier barrier)
      throws InterruptedException, BrokenBarrierException, TimeoutException {
    barrier.await(Race.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }
}
