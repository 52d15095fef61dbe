package dev.harbor.state.postgres;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.TestPostgres;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * What {@code rowSecurity=on} costs (SPEC 9.4), side by side in one run: two fresh schemas, one
 * enforcing row-level security and one not, both used by the same least-privilege role with {@code
 * migrate=verify} (a superuser would bypass the policy and measure nothing). Rounds alternate
 * between them so drift on a shared machine falls on both; each prints save and load (find) ops/s
 * per round, then the medians. Not a test; run by hand with the test class path:
 *
 * <pre>java -cp ... dev.harbor.state.postgres.RowSecurityCostMain [SECONDS] [ROUNDS] [THREADS]
 * </pre>
 */
final class RowSecurityCostMain {

  private RowSecurityCostMain() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    byte[] payload = new byte[32];
    Arrays.fill(payload, (byte) 7);
    try (TestRole role = TestRole.create()) {
      String off = TestPostgres.newSchemaName("harbor_bench");
      String on = TestPostgres.newSchemaName("harbor_bench");
      try {
        role.migrateAndGrant(off);
        role.migrateAndGrant(on, "rowSecurity=on");
        try (StateStore plain =
                StateStores.open(StateConfig.parse(role.location(off, "migrate=verify")));
            StateStore secured =
                StateStores.open(
                    StateConfig.parse(role.location(on, "migrate=verify", "rowSecurity=on")))) {
          for (StateStore s : List.of(plain, secured)) {
            run(s, payload, threads, 2, true); // warm-up, and slots for the loads
            run(s, payload, threads, 2, false);
          }
          double[][] save = new double[2][rounds];
          double[][] load = new double[2][rounds];
          for (int r = 0; r < rounds; r++) {
            for (int which = 0; which < 2; which++) {
              StateStore s = which == 0 ? plain : secured;
              save[which][r] = run(s, payload, threads, seconds, true);
              load[which][r] = run(s, payload, threads, seconds, false);
              System.out.printf(
                  "round %d rowSecurity=%-3s save ops/s=%8.1f  load ops/s=%8.1f%n",
                  r + 1, which == 0 ? "off" : "on", save[which][r], load[which][r]);
            }
          }
          System.out.printf(
              "median threads=%d: save off=%.1f on=%.1f (%+.1f%%); load off=%.1f on=%.1f (%+.1f%%)%n",
              threads,
              median(save[0]),
              median(save[1]),
              100 * (median(save[1]) / median(save[0]) - 1),
              median(load[0]),
              median(load[1]),
              100 * (median(load[1]) / median(load[0]) - 1));
        }
      } finally {
        TestPostgres.dropSchema(off);
        TestPostgres.dropSchema(on);
      }
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** Saves to (or finds in) random slots of 10,000 sessions of ten tenants for some seconds. */
  private static double run(
      StateStore store, byte[] payload, int threads, int seconds, boolean save)
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
                  int n = random.nextInt(10_000);
                  Quadruple q = new Quadruple("t" + (n % 10), "u1", "s" + n, "");
                  if (save) {
                    store.save(
                        new StateRecord(EventId.newId(), q, "session.lifecycle", 1, payload, null));
                  } else {
                    store.find(q, "session.lifecycle");
                  }
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
