package dev.harbor.state.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Random operations from 8 threads at once, checked against the rules rather than a sequential
 * model:
 *
 * <ul>
 *   <li>each {@code saveIf}/{@code saveBatchIf} generation has at most one winner (every write has
 *       a fresh event id, so a generation is unique);
 *   <li>nothing a read returns was never written: every record seen is one some thread tried to
 *       write, with exactly that content;
 *   <li>no acknowledged write is lost: each thread also owns private slots, whose final state must
 *       equal that thread's own last acknowledged write or delete;
 *   <li>no call fails with anything but the contract's expected outcomes (conflict, condition
 *       failed).
 * </ul>
 *
 * {@code -Dharbor.reliability.concurrentOps} sets the operations per thread (default 300).
 */
abstract class ConcurrentProperties {

  private static final int THREADS = 8;
  private static final int OPS = Integer.getInteger("harbor.reliability.concurrentOps", 300);
  private static final List<String> SHARED_KINDS = List.of("c.a", "c.b", "c.c");

  /** The driver under test. */
  abstract StoreUnderTest driver();

  private final Map<EventId, StateRecord> attempted = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> winsPerGeneration = new ConcurrentHashMap<>();
  private final Set<String> rewritten = ConcurrentHashMap.newKeySet();

  @Test
  final void eightThreadsOfRandomOperations_keepEveryRule() throws Exception {
    long seed = Long.getLong("harbor.reliability.seed", new Random().nextLong());
    try (StoreUnderTest underTest = driver();
        StateStore store = underTest.open(Clock.systemUTC())) {
      Identity shared = new Identity("shared", "u", "s");
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      CyclicBarrier start = new CyclicBarrier(THREADS);
      try {
        List<Future<Map<String, Optional<StateRecord>>>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          Random random = new Random(seed + t);
          Identity own = new Identity("private-" + t, "u", "s");
          results.add(
              pool.submit(
                  () -> {
                    start.await(30, TimeUnit.SECONDS);
                    return run(store, random, shared, own);
                  }));
        }
        for (int t = 0; t < THREADS; t++) {
          Map<String, Optional<StateRecord>> expectedOwn = results.get(t).get(5, TimeUnit.MINUTES);
          Identity own = new Identity("private-" + t, "u", "s");
          for (Map.Entry<String, Optional<StateRecord>> e : expectedOwn.entrySet()) {
            assertThat(store.find(own.sessionScoped(), e.getKey()).map(StateRecord::id))
                .as(
                    "seed %d: private slot %s of thread %d holds its last acknowledged write",
                    seed, e.getKey(), t)
                .isEqualTo(e.getValue().map(StateRecord::id));
          }
        }
      } finally {
        pool.shutdownNow();
      }
      for (StateRecord r : store.listKind(ListScope.MAINTENANCE, "c.")) {
        assertWritten(r, seed);
      }
      // One winner per generation; an id written twice (the retry case) is two generations at most.
      winsPerGeneration.forEach(
          (generation, wins) ->
              assertThat(wins.get())
                  .as("seed %d: winners of generation %s", seed, generation)
                  .isLessThanOrEqualTo(rewritten.contains(generation) ? 2 : 1));
      System.out.println(
          getClass().getSimpleName()
              + ": "
              + THREADS
              + " threads x "
              + OPS
              + " operations, "
              + attempted.size()
              + " writes attempted, "
              + winsPerGeneration.size()
              + " saveIf generations each with at most one winner (seed "
              + seed
              + ")");
    }
  }

  /** One thread's work; returns the expected final state of its private slots. */
  private Map<String, Optional<StateRecord>> run(
      StateStore store, Random r, Identity shared, Identity own) {
    Map<String, Optional<StateRecord>> ownState = new HashMap<>();
    for (int i = 0; i < OPS; i++) {
      boolean mine = r.nextInt(3) == 0;
      Quadruple q = mine ? own.sessionScoped() : shared.sessionScoped();
      String kind = SHARED_KINDS.get(r.nextInt(SHARED_KINDS.size()));
      StateRecord next = fresh(q, kind, r);
      try {
        switch (r.nextInt(8)) {
          case 0 -> {
            store.save(next);
            if (mine) ownState.put(kind, Optional.of(next));
          }
          case 1 -> {
            Optional<StateRecord> current = store.find(q, kind);
            current.ifPresent(c -> assertWritten(c, 0));
            SlotExpectation e =
                current
                    .map(c -> SlotExpectation.exact(q, kind, c.id()))
                    .orElse(SlotExpectation.absent(q, kind));
            try {
              store.saveIf(List.of(e), next);
              if (e.expectedEventId() != null) {
                winsPerGeneration
                    .computeIfAbsent(e.expectedEventId().value(), k -> new AtomicInteger())
                    .incrementAndGet();
              }
              if (mine) ownState.put(kind, Optional.of(next));
            } catch (ConditionFailedException lost) {
              assertThat(mine).as("only shared slots can lose a race").isFalse();
            }
          }
          case 2 -> {
            Optional<StateRecord> current = store.find(q, kind);
            if (current.isPresent()) {
              boolean deleted = store.deleteIf(SlotExpectation.exact(q, kind, current.get().id()));
              if (mine) {
                assertThat(deleted).isTrue();
                ownState.put(kind, Optional.empty());
              }
            }
          }
          case 3 -> {
            store.delete(q, kind);
            if (mine) ownState.put(kind, Optional.empty());
          }
          case 4 -> {
            // A retry of an acknowledged write is a no-op. If another thread replaced the slot in
            // between, the retry writes the (then forgotten) id again, so that generation may
            // legitimately be won twice.
            store.save(next);
            rewritten.add(next.id().value());
            store.save(next);
            if (mine) ownState.put(kind, Optional.of(next));
          }
          case 5 -> {
            StateRecord other = fresh(q, SHARED_KINDS.get((SHARED_KINDS.indexOf(kind) + 1) % 3), r);
            store.saveAll(List.of(next, other));
            if (mine) {
              ownState.put(kind, Optional.of(next));
              ownState.put(other.kind(), Optional.of(other));
            }
          }
          case 6 -> store.listKindForIdentity(q, "c.").forEach(x -> assertWritten(x, 0));
          default -> {
            ScanPage page =
                store.scanKindForTenant(ListScope.MAINTENANCE, q.tenantId(), "c.", 2, "");
            page.records().forEach(x -> assertWritten(x, 0));
            store.findByEventId(next.id()).ifPresent(x -> assertWritten(x, 0));
          }
        }
      } catch (IdempotencyConflictException e) {
        throw new AssertionError("fresh event ids never conflict", e);
      }
    }
    return ownState;
  }

  private StateRecord fresh(Quadruple q, String kind, Random r) {
    byte[] payload = ("payload-" + r.nextInt(1000)).getBytes(StandardCharsets.UTF_8);
    StateRecord record = StateRecord.of(EventId.newId(), q, kind, payload);
    attempted.put(record.id(), record);
    return record;
  }

  private void assertWritten(StateRecord seen, long seed) {
    StateRecord written = attempted.get(seen.id());
    assertThat(written).as("seed %d: %s was never written", seed, seen).isNotNull();
    assertThat(seen.sameContent(written))
        .as("seed %d: %s has other content than was written", seed, seen)
        .isTrue();
  }
}
