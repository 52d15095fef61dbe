package dev.harbor.state.postgres;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.HeldFence;
import dev.harbor.state.testing.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The measurement of issue 23, defect 5: two slots fenced from another store instance, writers
 * saving those slots again and again (each retried after its timeout), and more writers saving
 * other slots. Prints, for group commit on and off, how many saves of the other slots succeeded and
 * failed (by exception) and the slowest of them. Not a test; run by hand with the test class path:
 *
 * <pre>
 * java -cp ... dev.harbor.state.postgres.FencedNeighboursMain [SECONDS] [THREADS] [FENCED_WRITERS]
 * </pre>
 *
 * Defaults: 3 s, 16 threads, 4 of them saving the fenced slots (two each), operationTimeout 1s.
 */
final class FencedNeighboursMain {

  private FencedNeighboursMain() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
    int fencedWriters = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    TestPostgres.ensureReachable();
    for (String groupCommit : List.of("on", "off", "on", "off")) {
      String schema = TestPostgres.newSchemaName("harbor_fenced");
      try {
        run(schema, groupCommit, seconds, threads, fencedWriters);
      } finally {
        TestPostgres.dropSchema(schema);
      }
    }
  }

  private static void run(
      String schema, String groupCommit, int seconds, int threads, int fencedWriters)
      throws Exception {
    String location =
        TestPostgres.location(schema, "groupCommit=" + groupCommit, "operationTimeout=1s");
    Quadruple q = new Quadruple("t", "u", "s", "r");
    try (StateStore fencing = StateStores.open(StateConfig.parse(location));
        StateStore store = StateStores.open(StateConfig.parse(location))) {
      List<HeldFence> fences = new ArrayList<>();
      for (String slot : List.of("fenced1", "fenced2")) {
        StateRecord held = StateRecord.of(EventId.of("held-" + slot), q, slot, new byte[] {1});
        fencing.save(held);
        fences.add(HeldFence.start(fencing, SlotExpectation.exact(q, slot, held.id())).holding());
      }
      LongAdder ok = new LongAdder();
      LongAdder fencedOk = new LongAdder();
      AtomicLong worstNanos = new AtomicLong();
      Map<String, LongAdder> failures = new ConcurrentHashMap<>();
      Map<String, LongAdder> fencedFailures = new ConcurrentHashMap<>();
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        boolean fenced = t < fencedWriters;
        String fixedSlot = "fenced" + (1 + t % 2);
        int id = t;
        Thread w =
            new Thread(
                () -> {
                  long n = 0;
                  while (System.nanoTime() < end) {
                    String slot = fenced ? fixedSlot : "free" + id + "-" + (n % 64);
                    StateRecord r =
                        StateRecord.of(EventId.of(id + "-" + n++), q, slot, new byte[] {2});
                    long start = System.nanoTime();
                    try {
                      store.save(r);
                      (fenced ? fencedOk : ok).increment();
                    } catch (RuntimeException e) {
                      (fenced ? fencedFailures : failures)
                          .computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder())
                          .increment();
                    }
                    if (!fenced) {
                      worstNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    }
                  }
                });
        workers.add(w);
        w.start();
      }
      for (Thread w : workers) {
        w.join();
      }
      for (HeldFence f : fences) {
        f.release();
      }
      System.out.printf(
          "groupCommit=%-3s threads=%d fencedWriters=%d %ds: other slots ok=%d failed=%s worst=%.3f"
              + " s; fenced slots ok=%d failed=%s%n",
          groupCommit,
          threads,
          fencedWriters,
          seconds,
          ok.sum(),
          sums(failures),
          worstNanos.get() / 1e9,
          fencedOk.sum(),
          sums(fencedFailures));
    }
  }

  private static Map<String, Long> sums(Map<String, LongAdder> counts) {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
