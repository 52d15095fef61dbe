package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Conditional writes racing across two store instances (two pools) on one schema (CONTRACT.md
 * 4.4-4.6): the database decides, every loser gets the contract's answer, and never a deadlock,
 * serialization or other storage error.
 */
class PgConcurrencyScenariosTest extends DatabaseTest {

  private static final int ROUNDS = 32;
  private static final int THREADS = 64;
  private static final int CAS_ROUNDS_PER_THREAD = 6;

  @Test
  void deleteIfAndSaveIfOfOneGeneration_onTwoStores_exactlyOneWins_andAReopenedStoreAgrees()
      throws Exception {
    StateStore a = open("maxPoolSize=2", "operationTimeout=5s");
    StateStore b = open("maxPoolSize=2", "operationTimeout=5s");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        EventId g0 = EventId.of("G0-" + round);
        StateRecord g1 = record("G1-" + round, "lease", "g1-" + round);
        a.save(record(g0.value(), "lease", "g0-" + round));
        CyclicBarrier together = new CyclicBarrier(2);
        Future<Boolean> delete =
            pool.submit(
                () -> {
                  together.await(10, TimeUnit.SECONDS);
                  return a.deleteIf(SlotExpectation.exact(Q, "lease", g0));
                });
        Future<Throwable> save =
            pool.submit(
                () -> {
                  together.await(10, TimeUnit.SECONDS);
                  try {
                    b.saveIf(List.of(SlotExpectation.exact(Q, "lease", g0)), g1);
                    return null;
                  } catch (RuntimeException e) {
                    return e;
                  }
                });
        boolean deleted = delete.get(30, TimeUnit.SECONDS);
        Throwable saveFailure = save.get(30, TimeUnit.SECONDS);
        boolean saved = saveFailure == null;
        if (!saved) {
          assertThat(saveFailure)
              .as("round %d: the losing saveIf fails with ConditionFailedException only", round)
              .isInstanceOf(ConditionFailedException.class);
        }
        assertThat(deleted ^ saved)
            .as(
                "round %d: exactly one wins (deleteIf=%s, saveIf succeeded=%s)",
                round, deleted, saved)
            .isTrue();

        StateStore reopened = open("maxPoolSize=1", "operationTimeout=5s");
        Optional<StateRecord> held = reopened.find(Q, "lease");
        reopened.close();
        if (saved) {
          assertThat(held)
              .as("round %d: the saveIf won, so the slot holds G1", round)
              .hasValueSatisfying(r -> assertThat(r.sameContent(g1)).isTrue());
        } else {
          assertThat(held).as("round %d: the deleteIf won, so the slot is absent", round).isEmpty();
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void
      saveBatchIfOverTwoSlotsInOppositeOrders_64ThreadsOnTwoStores_onlySuccessOrConditionFailed_andSuccessesFormOneChain()
          throws Exception {
    StateStore a = open("maxPoolSize=8", "operationTimeout=10s");
    StateStore b = open("maxPoolSize=8", "operationTimeout=10s");
    a.saveAll(List.of(record("A0", "A", "a0"), record("B0", "B", "b0")));

    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Success> successes = new ArrayList<>();
    List<Throwable> unexpected = new ArrayList<>();
    int conditionFailures = 0;
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Object>>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        StateStore store = thread % 2 == 0 ? a : b;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  List<Object> outcomes = new ArrayList<>();
                  for (int round = 0; round < CAS_ROUNDS_PER_THREAD; round++) {
                    outcomes.add(casBoth(store, (thread + round) % 2 == 0, thread + "-" + round));
                  }
                  return outcomes;
                }));
      }
      start.countDown();
      for (Future<List<Object>> f : futures) {
        for (Object outcome : f.get(120, TimeUnit.SECONDS)) {
          if (outcome instanceof Success s) {
            successes.add(s);
          } else if (outcome instanceof ConditionFailedException) {
            conditionFailures++;
          } else {
            unexpected.add((Throwable) outcome);
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(unexpected)
        .as("every call ends in success or ConditionFailedException, never another failure")
        .isEmpty();
    assertThat(successes.size() + conditionFailures).isEqualTo(THREADS * CAS_ROUNDS_PER_THREAD);
    assertThat(successes).isNotEmpty();

    // Every success replaced the generation pair it read: following them from (A0, B0) must visit
    // each success exactly once and end at what the store holds.
    Map<String, Success> byPreviousA = new HashMap<>();
    for (Success s : successes) {
      assertThat(byPreviousA.put(s.previousA(), s))
          .as("two calls both succeeded on generation %s of A", s.previousA())
          .isNull();
    }
    String currentA = "A0";
    String currentB = "B0";
    int changes = 0;
    for (Success s = byPreviousA.get(currentA); s != null; s = byPreviousA.get(currentA)) {
      assertThat(s.previousB())
          .as("the success after A=%s expected B=%s", currentA, currentB)
          .isEqualTo(currentB);
      currentA = s.nextA();
      currentB = s.nextB();
      changes++;
    }
    assertThat(changes)
        .as("the number of generation changes equals the number of successful calls")
        .isEqualTo(successes.size());
    StateStore reopened = open();
    assertThat(reopened.load(Q, "A").id().value()).isEqualTo(currentA);
    assertThat(reopened.load(Q, "B").id().value()).isEqualTo(currentB);
  }

  /** A successful saveBatchIf: the generations it expected and the ones it wrote. */
  private record Success(String previousA, String previousB, String nextA, String nextB) {}

  /**
   * Reads the current generations of A and B, then compare-and-swaps both, listing the slots in the
   * order [A, B] or [B, A]. Returns a {@link Success} or the exception thrown.
   */
  private static Object casBoth(StateStore store, boolean aFirst, String tag) {
    try {
      String currentA = store.load(Q, "A").id().value();
      String currentB = store.load(Q, "B").id().value();
      SlotExpectation expectA = SlotExpectation.exact(Q, "A", EventId.of(currentA));
      SlotExpectation expectB = SlotExpectation.exact(Q, "B", EventId.of(currentB));
      StateRecord nextA = record("A-" + tag, "A", "a-" + tag);
      StateRecord nextB = record("B-" + tag, "B", "b-" + tag);
      if (aFirst) {
        store.saveBatchIf(List.of(expectA, expectB), List.of(nextA, nextB));
      } else {
        store.saveBatchIf(List.of(expectB, expectA), List.of(nextB, nextA));
      }
      return new Success(currentA, currentB, nextA.id().value(), nextB.id().value());
    } catch (RuntimeException e) {
      return e;
    }
  }
}
