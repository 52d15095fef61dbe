package dev.harbor.state.crypto;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What sealing costs a call, side by side: the in-memory store plain and wrapped, rounds
 * alternating, one thread, save and load at 32 B and 16 KiB. The in-memory driver has no I/O, so
 * the difference is the wrapper's own CPU per call (an upper bound on its share of a SQLite or
 * PostgreSQL call).
 *
 * <p>{@code java -cp ... dev.harbor.state.crypto.SealingCostMain SECONDS ROUNDS}
 */
public final class SealingCostMain {

  private SealingCostMain() {}

  /**
   * Runs the comparison and prints medians.
   *
   * @param args seconds per round, rounds
   */
  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
    Path dir = TestKeys.newDirectory("harbor-sealing-cost");
    try (TenantKeys keys = TestKeys.newKeyring(dir);
        StateStore plain = open();
        StateStore sealed = PayloadEncryption.wrap(open(), keys)) {
      for (String workload : List.of("load", "save")) {
        for (int size : new int[] {32, 16384}) {
          byte[] payload = new byte[size];
          ThreadLocalRandom.current().nextBytes(payload);
          int slots = 1000;
          preload(plain, slots, payload);
          preload(sealed, slots, payload);
          double[] p = new double[rounds];
          double[] s = new double[rounds];
          run(plain, workload, payload, slots, seconds / 4); // warm up both
          run(sealed, workload, payload, slots, seconds / 4);
          for (int r = 0; r < rounds; r++) {
            p[r] = run(plain, workload, payload, slots, seconds);
            s[r] = run(sealed, workload, payload, slots, seconds);
          }
          double mp = median(p);
          double ms = median(s);
          System.out.printf(
              Locale.ROOT,
              "%s %6d B: plain %,10.0f /s  sealed %,10.0f /s  ratio %.2f  added %.2f µs/call%n",
              workload,
              size,
              mp,
              ms,
              ms / mp,
              1e6 / ms - 1e6 / mp);
        }
      }
    } finally {
      TestKeys.deleteRecursively(dir);
    }
  }

  private static StateStore open() {
    return StateStores.open(
        TestKeys.withRoomForEnvelope(StateConfig.builder().driver("inmem").build()));
  }

  private static Quadruple slot(int i) {
    return new Quadruple("t1", "u1", "s" + i, "");
  }

  private static void preload(StateStore store, int slots, byte[] payload) {
    List<StateRecord> batch = new ArrayList<>();
    for (int i = 0; i < slots; i++) {
      batch.add(StateRecord.of(EventId.newId(), slot(i), "k", payload));
    }
    store.saveAll(batch);
  }

  private static double run(
      StateStore store, String workload, byte[] payload, int slots, double seconds) {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long ops = 0;
    long start = System.nanoTime();
    int i = 0;
    long sink = 0;
    while (System.nanoTime() < end) {
      for (int k = 0; k < 64; k++, i++) {
        if (workload.equals("load")) {
          sink += store.load(slot(i % slots), "k").size();
        } else {
          store.save(StateRecord.of(EventId.newId(), slot(i % slots), "k", payload));
        }
      }
      ops += 64;
    }
    if (sink == 42) {
      System.out.print("");
    }
    return ops / ((System.nanoTime() - start) / 1e9);
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }
}
