package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conditional writes racing across two store instances on one file: the outcomes the contract
 * allows (a success or {@link ConditionFailedException}, never a busy, locked or deadlock error)
 * and the state they leave, also after reopening.
 */
class SqliteConcurrencyScenariosTest {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "");

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("state.db");
  }

  private static StateRecord rec(String id, Quadruple q, String kind) {
    return StateRecord.of(EventId.of(id), q, kind, id.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void deleteIfRacingSaveIfOnOneGeneration_acrossTwoInstances_exactlyOneWins_andThatSurvives()
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 32; round++) {
        EventId g0 = EventId.of("g0-" + round);
        StateRecord g1 = rec("g1-" + round, Q, "k");
        SlotExpectation expectG0 = SlotExpectation.exact(Q, "k", g0);
        boolean deleted;
        boolean saved;
        try (StateStore a = TestFiles.open(file());
            StateStore b = TestFiles.open(file())) {
          a.save(rec(g0.value(), Q, "k"));
          // Each instance plays each role in turn.
          StateStore deleter = round % 2 == 0 ? a : b;
          StateStore saver = round % 2 == 0 ? b : a;
          CyclicBarrier together = new CyclicBarrier(2);
          Future<Boolean> deleteIf =
              pool.submit(
                  () -> {
                    together.await(10, TimeUnit.SECONDS);
                    return deleter.deleteIf(expectG0);
                  });
          Future<Boolean> saveIf =
              pool.submit(
                  () -> {
                    together.await(10, TimeUnit.SECONDS);
                    try {
                      saver.saveIf(List.of(expectG0), g1);
                      return true;
                    } catch (ConditionFailedException e) {
                      return false;
                    }
                  });
          // Any other exception fails the test here, as the cause of an ExecutionException.
          deleted = deleteIf.get(30, TimeUnit.SECONDS);
          saved = saveIf.get(30, TimeUnit.SECONDS);
        }
        assertThat(deleted ^ saved)
            .as("round %d: deleteIf returned %s, saveIf succeeded: %s", round, deleted, saved)
            .isTrue();
        try (StateStore reopened = TestFiles.open(file())) {
          Optional<StateRecord> slot = reopened.find(Q, "k");
          if (saved) {
            assertThat(slot).as("round %d: the save won", round).isPresent();
            assertThat(slot.get().id()).isEqualTo(g1.id());
            assertThat(slot.get().bytes()).isEqualTo(g1.bytes());
          } else {
            assertThat(slot).as("round %d: the delete won", round).isEmpty();
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void saveBatchIfOverTwoSlotsInBothOrders_from64ThreadsOnTwoInstances_onlyWinsOrFailsTheCondition()
      throws Exception {
    int threads = 64;
    int rounds = 8;
    Quadruple qa = new Quadruple("t", "u", "s-a", "");
    Quadruple qb = new Quadruple("t", "u", "s-b", "");
    Set<String> won = ConcurrentHashMap.newKeySet();
    AtomicInteger conditionFailed = new AtomicInteger();
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    try (StateStore a = TestFiles.open(file());
        StateStore b = TestFiles.open(file())) {
      a.saveAll(List.of(rec("init-a", qa, "k"), rec("init-b", qb, "k")));
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> workers = new ArrayList<>();
      try {
        for (int t = 0; t < threads; t++) {
          int thread = t;
          StateStore store = t % 2 == 0 ? a : b;
          workers.add(
              pool.submit(
                  () -> {
                    start.await();
                    for (int round = 0; round < rounds; round++) {
                      String call = "t" + thread + "-r" + round;
                      try {
                        // Read the current generations, then compare-and-swap both.
                        EventId atA = store.load(qa, "k").id();
                        EventId atB = store.load(qb, "k").id();
                        List<SlotExpectation> expected =
                            new ArrayList<>(
                                List.of(
                                    SlotExpectation.exact(qa, "k", atA),
                                    SlotExpectation.exact(qb, "k", atB)));
                        List<StateRecord> writes =
                            new ArrayList<>(
                                List.of(rec(call + "-a", qa, "k"), rec(call + "-b", qb, "k")));
                        if ((thread / 2 + round) % 2 == 1) { // [B, A] on both instances
                          Collections.reverse(expected);
                          Collections.reverse(writes);
                        }
                        store.saveBatchIf(expected, writes);
                        won.add(call);
                      } catch (ConditionFailedException e) {
                        conditionFailed.incrementAndGet();
                      } catch (RuntimeException e) {
                        errors.add(e);
                      }
                    }
                    return null;
                  }));
        }
        start.countDown();
        for (Future<?> w : workers) {
          w.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(errors).as("errors other than ConditionFailedException").isEmpty();
      assertThat(won.size() + conditionFailed.get()).isEqualTo(threads * rounds);
      assertThat(won).isNotEmpty();
      String atA = a.load(qa, "k").id().value();
      String atB = b.load(qb, "k").id().value();
      String call = atA.substring(0, atA.length() - "-a".length());
      assertThat(won).as("the call that wrote A").contains(call);
      assertThat(atB).as("B comes from the same call as A").isEqualTo(call + "-b");
    }
  }
}
