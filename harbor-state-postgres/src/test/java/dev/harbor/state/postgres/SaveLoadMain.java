package dev.harbor.state.postgres;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * A quick load loop for comparing single-record save with pgbench's upsert line (../shared/bench):
 * the same slot shape (tenant t1, user u1, one of 100,000 sessions, empty run, kind
 * session.lifecycle, 32-byte payload), a fresh event id per save. Not a test; run by hand with the
 * test class path:
 *
 * <pre>java -cp ... dev.harbor.state.postgres.SaveLoadMain LOCATION [SECONDS] [THREADS...]</pre>
 */
final class SaveLoadMain {

  private SaveLoadMain() {}

  public static void main(String[] args) throws Exception {
    String location = args[0];
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    List<Integer> threadCounts = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      threadCounts.add(Integer.parseInt(args[i]));
    }
    if (threadCounts.isEmpty()) {
      threadCounts = List.of(1, 4, 16);
    }
    byte[] payload = new byte[32];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i % 16 + 1);
    }
    try (StateStore store = StateStores.open(location)) {
      run(store, payload, 4, 2); // warm-up: JIT, pool, prepared statements
      for (int threads : threadCounts) {
        double opsPerSecond = run(store, payload, threads, seconds);
        System.out.printf("save      threads=%-3d ops/s=%.1f%n", threads, opsPerSecond);
      }
    }
  }

  private static double run(StateStore store, byte[] payload, int threads, int seconds)
      throws InterruptedException {
    LongAdder done = new LongAdder();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w =
          new Thread(
              () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (System.nanoTime() < end) {
                  Quadruple q = new Quadruple("t1", "u1", "s" + (1 + random.nextInt(100_000)), "");
                  store.save(
                      new StateRecord(EventId.newId(), q, "session.lifecycle", 1, payload, null));
                  done.increment();
                }
              });
      workers.add(w);
      w.start();
    }
    long start = System.nanoTime();
    for (Thread w : workers) {
      w.join();
    }
    return done.sum() / ((System.nanoTime() - start) / 1e9);
  }
}
