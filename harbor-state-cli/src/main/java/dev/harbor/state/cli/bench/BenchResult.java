package dev.harbor.state.cli.bench;

/**
 * One measured run: a target (the store or a baseline) doing a workload at a payload size and
 * thread count. What {@code harbor-state bench} prints and the performance report is made from.
 *
 * @param driver the driver benchmarked
 * @param workload save, load, saveAll, saveIf or mixed
 * @param payload payload bytes
 * @param threads worker threads (pgbench: clients)
 * @param target {@code store}, or a baseline: {@code map}, {@code sqlite-jdbc}, {@code jdbc},
 *     {@code pgbench}
 * @param opsPerSecond units per second: records for saveAll, successful saveIfs for saveIf,
 *     sessions for mixed
 * @param p50 median latency of one call in nanoseconds (0 when not measured, as for pgbench)
 * @param p99 99th percentile, nanoseconds
 * @param p999 99.9th percentile, nanoseconds
 * @param errors failures other than the expected ConditionFailedException of saveIf
 * @param conflicts ConditionFailedExceptions (saveIf: lost races, expected)
 * @param firstError the first unexpected failure's message, or empty
 * @param groupMean writes per shared commit (group commit) during the run, on average; 0 when the
 *     run committed no group (a baseline, a driver without group commit, a read workload)
 * @param groupP99 the 99th percentile of writes per shared commit; 0 as for {@code groupMean}
 */
public record BenchResult(
    String driver,
    String workload,
    int payload,
    int threads,
    String target,
    double opsPerSecond,
    long p50,
    long p99,
    long p999,
    long errors,
    long conflicts,
    String firstError,
    double groupMean,
    int groupP99) {

  /** The target name of the store itself; every other target is a baseline. */
  public static final String STORE = "store";

  /**
   * Whether this is the store's run rather than a baseline's.
   *
   * @return {@code target} is {@link #STORE}
   */
  public boolean isStore() {
    return STORE.equals(target);
  }
}
