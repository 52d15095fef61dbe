package dev.harbor.state.cli.bench;

import java.util.List;

/**
 * What a bench runs: each workload at each payload size and thread count, a warmup then a measured
 * interval, the store and (optionally) its baselines.
 *
 * @param workloads workload names, from {@link #WORKLOADS}
 * @param threads thread counts
 * @param payloads payload sizes in bytes
 * @param warmupNanos warmup per run
 * @param measureNanos measured interval per run
 * @param slots the slot space for writes and preloads, capped per payload size by {@link
 *     #slotSpace}
 * @param baselines whether to run the bare baselines
 * @param pgbench whether to run pgbench (PostgreSQL only, when on the PATH)
 */
public record BenchPlan(
    List<String> workloads,
    List<Integer> threads,
    List<Integer> payloads,
    long warmupNanos,
    long measureNanos,
    int slots,
    boolean baselines,
    boolean pgbench) {

  /** Records per saveAll batch. */
  public static final int BATCH = 100;

  /** Every workload, in report order. */
  public static final List<String> WORKLOADS =
      List.of("save", "load", "saveAll", "saveIf", "mixed");

  /** Workloads the baselines and pgbench also run. */
  static final List<String> WITH_BASELINE = List.of("save", "load", "saveAll");

  /** Preloaded bytes are capped, so 16 KiB payloads fill neither the disk nor the heap. */
  static final long SLOT_BYTES_BUDGET = 64L << 20;

  /**
   * Copies the lists.
   *
   * @param workloads workload names, from {@link #WORKLOADS}
   * @param threads thread counts
   * @param payloads payload sizes in bytes
   * @param warmupNanos warmup per run
   * @param measureNanos measured interval per run
   * @param slots the slot space for writes and preloads
   * @param baselines whether to run the bare baselines
   * @param pgbench whether to run pgbench
   */
  public BenchPlan {
    workloads = List.copyOf(workloads);
    threads = List.copyOf(threads);
    payloads = List.copyOf(payloads);
  }

  /**
   * The slot space for a payload size: {@code slots}, capped so the preloaded payloads stay within
   * 64 MiB, and never below one batch.
   *
   * @param slots the slots asked for
   * @param payload the payload size in bytes
   * @return the slots to spread over and preload
   */
  public static int slotSpace(int slots, int payload) {
    return (int) Math.max(BATCH, Math.min(slots, SLOT_BYTES_BUDGET / Math.max(1, payload)));
  }

  /** The slot space of this plan for a payload size. */
  int slotsFor(int payload) {
    return slotSpace(slots, payload);
  }
}
