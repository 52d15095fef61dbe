package dev.harbor.state.inmem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.testing.BackgroundCall;
import dev.harbor.state.testing.HeldFence;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Readers raced against writers and against {@code close()}: every read sees one whole state of the
 * store. Each test steers its race (a wide window on a driver that gets it wrong, readers polling
 * in the direction the window shows) for a fixed time budget and stops at the first violation; its
 * assertions hold on every interleaving, so a pass is never luck in the other direction.
 */
class InMemoryStoreConcurrencyTest {

  /** How long each race runs when nothing goes wrong. */
  private static final Duration BUDGET = Duration.ofSeconds(2);

  /** More threads than the build machine may have cores, so writers get preempted mid-call. */
  private static final int READERS = 3;

  private static StateStore open() {
    return new InMemoryStateStoreProvider().open(StateConfig.builder().driver("inmem").build());
  }

  /** A record of generation {@code gen} at ({@code q}, {@code kind}); the version is the gen. */
  private static StateRecord generation(Quadruple q, String kind, long gen) {
    return new StateRecord(EventId.of(kind + "-" + gen), q, kind, gen, null, null);
  }

  private static SlotExpectation exact(StateRecord r) {
    return SlotExpectation.exact(r.identity(), r.kind(), r.id());
  }

  @Test
  void batch_isAtomicToReaders_neverHalfApplied() throws Exception {
    Quadruple q = new Quadruple("t", "u", "s", "");
    // Written between S1 and S2, so a batch applied record by record shows "new S1, old S2" for
    // as long as the fillers take.
    int fillers = 200;
    try (StateStore store = open()) {
      Race race = new Race();
      List<StateRecord> previous = new ArrayList<>();
      long[] gen = {0};
      race.run(
          () -> {
            gen[0]++;
            List<StateRecord> batch = new ArrayList<>(fillers + 2);
            batch.add(generation(q, "s1", gen[0]));
            for (int i = 0; i < fillers; i++) {
              batch.add(generation(q, "f" + i, gen[0]));
            }
            batch.add(generation(q, "s2", gen[0]));
            if (previous.isEmpty() || gen[0] % 2 == 1) {
              store.saveAll(batch);
            } else {
              store.saveBatchIf(
                  previous.stream().map(InMemoryStoreConcurrencyTest::exact).toList(), batch);
            }
            previous.clear();
            previous.addAll(batch);
          },
          () -> {
            // S1 before S2, the order the batch lists them: with whole batches S2 is never older.
            long s1 = store.find(q, "s1").map(StateRecord::version).orElse(0L);
            long s2 = store.find(q, "s2").map(StateRecord::version).orElse(0L);
            if (s2 < s1) {
              race.violation("read S1 of batch " + s1 + ", then S2 of batch " + s2);
            }
          });
      assertThat(gen[0]).as("batches written").isGreaterThan(1);
    }
  }

  @Test
  void findByEventId_ofARecordFindReturned_returnsIt() throws Exception {
    Quadruple q = new Quadruple("t", "u", "s", "");
    try (StateStore store = open()) {
      long[] gen = {1};
      store.save(generation(q, "b", 1));
      Race race = new Race();
      race.run(
          () -> {
            StateRecord current = generation(q, "b", gen[0]);
            StateRecord next = generation(q, "b", gen[0] + 1);
            // Single writes, both kinds: neither may show the slot before the event-id index.
            if (gen[0] % 2 == 1) {
              store.saveIf(List.of(exact(current)), next);
            } else {
              store.save(next);
            }
            gen[0]++;
          },
          () -> {
            StateRecord seen = store.find(q, "b").orElseThrow();
            Optional<StateRecord> byId = store.findByEventId(seen.id());
            if (byId.isPresent()) {
              if (!byId.get().equals(seen)) {
                race.violation("find returned " + seen + ", findByEventId " + byId.get());
              }
            } else if (store.find(q, "b").orElseThrow().version() == seen.version()) {
              // Not overwritten in between (generations only grow), so its id was live all along.
              race.violation(
                  "find returned "
                      + seen.id().value()
                      + ", findByEventId of it was empty, and find still returns it");
            }
          });
      assertThat(gen[0]).as("generations written").isGreaterThan(2);
    }
  }

  /**
   * CONTRACT.md 4.12: on this driver a call waiting for a fenced slot gives up with {@code
   * StoreClosedException} as soon as close starts, not when the fence ends or its timeout does;
   * close itself waits for the fence, a call in flight.
   */
  @Test
  void close_whileACallWaitsForAFence_theWaiterGivesUpAtOnce_andCloseWaitsForTheFence()
      throws Exception {
    StateStore store = open();
    Quadruple q = new Quadruple("t", "u", "s", "");
    StateRecord held = generation(q, "lease", 0);
    store.save(held);
    HeldFence fence = HeldFence.start(store, exact(held)).holding();
    BackgroundCall waiter =
        BackgroundCall.start(() -> store.saveIf(List.of(exact(held)), generation(q, "lease", 1)));
    while (waiter.getState() != Thread.State.WAITING
        && waiter.getState() != Thread.State.TIMED_WAITING) {
      assertThat(waiter.isAlive()).as("the saveIf waits for the fence").isTrue();
      Thread.onSpinWait();
    }
    BackgroundCall closer = BackgroundCall.start(store::close);
    try {
      waiter.join(10_000);
      assertThat(waiter.isAlive()).as("the waiter gave up before the fence ended").isFalse();
      assertThat(waiter.failure()).isInstanceOf(StoreClosedException.class);
      closer.join(200);
      assertThat(closer.isAlive()).as("close waits for the fence in flight").isTrue();
    } finally {
      fence.release();
    }
    closer.join(10_000);
    assertThat(closer.isAlive()).isFalse();
  }

  @Test
  void close_racingCalls_throwStoreClosedNeverSeeAnEmptyStore() throws Exception {
    // Long strings make the boundary checks slow, so a call that found the store open is still
    // validating when close() completes: it must not then read the cleared maps.
    String pad = "x".repeat(250);
    Quadruple q = new Quadruple("t" + pad, "u" + pad, "s" + pad, "r" + pad);
    String kind = "k" + pad;
    StateRecord stored =
        new StateRecord(
            EventId.of("e" + pad),
            q,
            kind,
            7,
            "payload".getBytes(StandardCharsets.UTF_8),
            Instant.parse("2024-05-06T07:08:09.123456Z"));
    List<Probe> probes =
        List.of(
            new Probe("find", s -> s.find(q, kind), Optional.of(stored)),
            new Probe("load", s -> s.load(q, kind), stored),
            new Probe("findByEventId", s -> s.findByEventId(stored.id()), Optional.of(stored)),
            new Probe("loadByEventId", s -> s.loadByEventId(stored.id()), stored),
            new Probe("listKind", s -> s.listKind(ListScope.MAINTENANCE, kind), List.of(stored)),
            new Probe(
                "listKind(limit)",
                s -> s.listKind(ListScope.MAINTENANCE, kind, 5),
                List.of(stored)),
            new Probe("listKindForIdentity", s -> s.listKindForIdentity(q, kind), List.of(stored)),
            new Probe(
                "listKindForIdentity(limit)",
                s -> s.listKindForIdentity(q, kind, 5),
                List.of(stored)),
            new Probe(
                "scanKindForTenant",
                s ->
                    s.scanKindForTenant(ListScope.MAINTENANCE, q.tenantId(), kind, 5, "").records(),
                List.of(stored)),
            new Probe(
                "scanAll", s -> s.scanAll(ListScope.MAINTENANCE, 5, "").records(), List.of(stored)),
            new Probe(
                "fenceIf",
                s -> {
                  AtomicBoolean ran = new AtomicBoolean();
                  s.fenceIf(exact(stored), () -> ran.set(true));
                  return ran.get();
                },
                true));
    Queue<String> violations = new ConcurrentLinkedQueue<>();
    long start = System.nanoTime();
    long deadline = start + BUDGET.toNanos();
    int rounds = 0;
    ExecutorService pool = Executors.newFixedThreadPool(READERS);
    try {
      while (violations.isEmpty() && System.nanoTime() - deadline < 0) {
        rounds++;
        StateStore store = open();
        store.save(stored);
        CountDownLatch warmedUp = new CountDownLatch(READERS);
        List<Future<?>> readers = new ArrayList<>();
        for (int i = 0; i < READERS; i++) {
          int first = ThreadLocalRandom.current().nextInt(probes.size());
          readers.add(
              pool.submit(() -> probeUntilClosed(store, probes, first, warmedUp, violations)));
        }
        assertThat(warmedUp.await(10, TimeUnit.SECONDS)).isTrue();
        // Land the close at varying points of the readers' loops.
        for (int spins = ThreadLocalRandom.current().nextInt(5_000); spins > 0; spins--) {
          Thread.onSpinWait();
        }
        store.close();
        for (Future<?> reader : readers) {
          reader.get(10, TimeUnit.SECONDS);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(violations).as("calls racing close() in %d rounds (%d ms)", rounds, ms).isEmpty();
  }

  /** A call and what it returns while the store holds only the one record. */
  private record Probe(String name, Function<StateStore, Object> call, Object expected) {}

  /**
   * Runs the probes round-robin until the store throws {@link StoreClosedException}; any other
   * outcome than the expected value is a violation.
   */
  private static void probeUntilClosed(
      StateStore store,
      List<Probe> probes,
      int first,
      CountDownLatch warmedUp,
      Queue<String> violations) {
    for (int i = 0; ; i++) {
      if (i == probes.size()) {
        warmedUp.countDown();
      }
      Probe probe = probes.get((first + i) % probes.size());
      Object outcome;
      try {
        outcome = probe.call().apply(store);
      } catch (StoreClosedException e) {
        if (i < probes.size()) {
          warmedUp.countDown(); // closed before a whole pass; release the closer anyway
        }
        return;
      } catch (RuntimeException e) {
        outcome = e;
      }
      if (!probe.expected().equals(outcome)) {
        violations.add(
            probe.name()
                + " racing close() gave "
                + (outcome instanceof Exception ? outcome.getClass().getSimpleName() : outcome));
      }
    }
  }

  /** A step of a writer or a reader. */
  @FunctionalInterface
  private interface Step {
    void run();
  }

  /**
   * One writer and {@link #READERS} readers, each repeating its step until the budget is spent or a
   * reader reported a violation.
   */
  private static final class Race {
    private final Queue<String> violations = new ConcurrentLinkedQueue<>();
    private final long start = System.nanoTime();
    private final long deadline = start + BUDGET.toNanos();
    private volatile long firstViolationNanos;

    void violation(String what) {
      if (violations.isEmpty()) {
        firstViolationNanos = System.nanoTime() - start;
      }
      violations.add(what);
    }

    private boolean running() {
      return violations.isEmpty() && System.nanoTime() - deadline < 0;
    }

    void run(Step writer, Step reader) throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(1 + READERS);
      long[] reads = new long[READERS];
      try {
        List<Future<?>> steps = new ArrayList<>();
        steps.add(
            pool.submit(
                () -> {
                  while (running()) {
                    writer.run();
                  }
                }));
        for (int i = 0; i < READERS; i++) {
          int n = i;
          steps.add(
              pool.submit(
                  () -> {
                    while (running()) {
                      reader.run();
                      reads[n]++;
                    }
                  }));
        }
        for (Future<?> step : steps) {
          step.get(BUDGET.toSeconds() + 30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(violations)
          .as(
              "violations (first after %d ms; %d reads per reader)",
              TimeUnit.NANOSECONDS.toMillis(firstViolationNanos), reads[0])
          .isEmpty();
    }
  }
}
