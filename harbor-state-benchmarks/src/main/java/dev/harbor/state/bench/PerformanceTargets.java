package dev.harbor.state.bench;

import dev.harbor.state.cli.bench.BenchReport;
import dev.harbor.state.cli.bench.BenchResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a full run is judged by: the targets the issues set, each a ratio of the store to a baseline
 * measured in the same run (or, for the in-memory reference, a floor), and the verdict of each at
 * each thread count. {@link PerformanceReport} prints them; {@link PerformanceChart} draws them.
 */
final class PerformanceTargets {

  /** The payload the targets are stated for. */
  static final int TARGET_PAYLOAD = 32;

  /** The baseline a driver's figures are judged against. */
  static final Map<String, String> PRIMARY_BASELINE =
      Map.of("inmem", "map", "sqlite", "sqlite-jdbc", "postgres", "pgbench");

  static final List<String> DRIVERS = List.of("postgres", "sqlite", "inmem");
  static final Map<String, String> TITLES =
      Map.of("postgres", "PostgreSQL", "sqlite", "SQLite", "inmem", "In-memory");

  private PerformanceTargets() {}

  /**
   * One target and how the run fared.
   *
   * @param target what is required
   * @param threads the thread count it is checked at
   * @param measured the figures behind the verdict
   * @param ratio the measured ratio (NaN where the target is not a ratio)
   * @param needed the ratio needed
   * @param holds whether it holds; empty if not measured
   */
  record Verdict(
      String target,
      int threads,
      String measured,
      double ratio,
      double needed,
      Optional<Boolean> holds) {}

  /**
   * A target stated as the store's rate over a baseline's in the same run, per thread count.
   *
   * @param title what is compared, for the table
   * @param driver the driver
   * @param workload the workload
   * @param baseline the baseline's target name in the bench rows
   * @param needed the ratio needed at each thread count it is stated for
   */
  record RatioTarget(
      String title, String driver, String workload, String baseline, Map<Integer, Double> needed) {}

  /**
   * The targets the issues set, as the last issue to touch each one states it: issue 12 for
   * PostgreSQL and SQLite writes and SQLite reads, the first milestone for PostgreSQL reads and the
   * in-memory reads. Issue 11 retired "in-memory save ≥ 0.5 × a bare map" for a floor of {@link
   * #INMEM_SAVE_FLOOR} saves/s at one thread.
   */
  static final List<RatioTarget> RATIO_TARGETS =
      List.of(
          new RatioTarget(
              "PostgreSQL save vs pgbench upsert",
              "postgres",
              "save",
              "pgbench",
              Map.of(1, 0.9, 4, 1.3, 16, 2.5)),
          new RatioTarget(
              "PostgreSQL load vs pgbench load",
              "postgres",
              "load",
              "pgbench",
              Map.of(1, 0.8, 4, 0.8, 16, 0.8)),
          new RatioTarget(
              "PostgreSQL saveAll records/s vs pgbench batch100 tps × 100",
              "postgres",
              "saveAll",
              "pgbench",
              Map.of(1, 0.9, 4, 0.9, 16, 0.9)),
          new RatioTarget(
              "SQLite save vs the bare sqlite-jdbc loop",
              "sqlite",
              "save",
              "sqlite-jdbc",
              Map.of(1, 0.9, 4, 2.5, 16, 5.0)),
          new RatioTarget(
              "SQLite load vs the bare sqlite-jdbc loop",
              "sqlite",
              "load",
              "sqlite-jdbc",
              Map.of(1, 0.8, 4, 0.8)),
          new RatioTarget(
              "In-memory load vs the bare map",
              "inmem",
              "load",
              "map",
              Map.of(1, 0.5, 4, 0.5, 16, 0.5)));

  /** Saves per second the in-memory driver must reach at one thread (issue 11). */
  static final double INMEM_SAVE_FLOOR = 150_000;

  /** How much faster SQLite loads must be at 4 threads than at 1. */
  static final double SQLITE_LOAD_SCALING = 1.6;

  /**
   * Judges every target on the bench rows (32 B payload).
   *
   * @param rows the bench rows of every driver
   * @return one verdict per target and thread count
   */
  static List<Verdict> verdicts(List<BenchResult> rows) {
    List<Verdict> out = new ArrayList<>();
    for (RatioTarget target : RATIO_TARGETS) {
      new TreeMap<>(target.needed())
          .forEach((threads, needed) -> out.add(ratio(rows, target, threads, needed)));
    }
    out.add(sqliteLoadScaling(rows));
    out.add(inmemSaveFloor(rows));
    for (String d : DRIVERS) {
      for (int t : threadsOf(rows)) {
        out.add(hotSlot(rows, d, t));
      }
    }
    return out;
  }

  private static Verdict ratio(
      List<BenchResult> rows, RatioTarget target, int threads, double needed) {
    return compare(
        target.title(),
        threads,
        find(rows, target.driver(), target.workload(), TARGET_PAYLOAD, threads, "store"),
        find(rows, target.driver(), target.workload(), TARGET_PAYLOAD, threads, target.baseline()),
        needed);
  }

  private static Verdict sqliteLoadScaling(List<BenchResult> rows) {
    return compare(
        "SQLite load at 4 threads vs at 1 thread",
        4,
        find(rows, "sqlite", "load", TARGET_PAYLOAD, 4, "store"),
        find(rows, "sqlite", "load", TARGET_PAYLOAD, 1, "store"),
        SQLITE_LOAD_SCALING);
  }

  /** The verdict on {@code measured}'s rate over {@code against}'s, which must reach needed. */
  private static Verdict compare(
      String title,
      int threads,
      Optional<BenchResult> measured,
      Optional<BenchResult> against,
      double needed) {
    if (measured.isEmpty() || against.isEmpty() || against.get().opsPerSecond() <= 0) {
      return new Verdict(title, threads, "not measured", Double.NaN, needed, Optional.empty());
    }
    double m = measured.get().opsPerSecond();
    double a = against.get().opsPerSecond();
    return new Verdict(
        title,
        threads,
        BenchReport.rate(m) + " vs " + BenchReport.rate(a) + " ops/s",
        m / a,
        needed,
        Optional.of(m / a >= needed));
  }

  private static Verdict inmemSaveFloor(List<BenchResult> rows) {
    String title =
        "In-memory save ≥ " + BenchReport.rate(INMEM_SAVE_FLOOR) + " ops/s (a floor, not a ratio)";
    return find(rows, "inmem", "save", TARGET_PAYLOAD, 1, "store")
        .map(
            x ->
                new Verdict(
                    title,
                    1,
                    BenchReport.rate(x.opsPerSecond()) + " ops/s",
                    Double.NaN,
                    Double.NaN,
                    Optional.of(x.opsPerSecond() >= INMEM_SAVE_FLOOR)))
        .orElse(new Verdict(title, 1, "not measured", Double.NaN, Double.NaN, Optional.empty()));
  }

  private static Verdict hotSlot(List<BenchResult> rows, String driver, int threads) {
    String title =
        TITLES.get(driver)
            + " saveIf on one hot slot: zero errors other than ConditionFailedException";
    return find(rows, driver, "saveIf", TARGET_PAYLOAD, threads, "store")
        .map(
            x ->
                new Verdict(
                    title,
                    threads,
                    BenchReport.rate(x.opsPerSecond())
                        + " swaps/s, "
                        + String.format(Locale.ROOT, "%,d", x.conflicts())
                        + " lost races, "
                        + x.errors()
                        + " other errors",
                    Double.NaN,
                    Double.NaN,
                    Optional.of(x.errors() == 0)))
        .orElse(
            new Verdict(title, threads, "not measured", Double.NaN, Double.NaN, Optional.empty()));
  }

  static Optional<BenchResult> find(
      List<BenchResult> rows,
      String driver,
      String workload,
      int payload,
      int threads,
      String target) {
    return rows.stream()
        .filter(
            r ->
                r.driver().equals(driver)
                    && r.workload().equals(workload)
                    && r.payload() == payload
                    && r.threads() == threads
                    && r.target().equals(target))
        .findFirst();
  }

  static Set<Integer> threadsOf(List<BenchResult> rows) {
    Set<Integer> t = new TreeSet<>();
    rows.forEach(r -> t.add(r.threads()));
    return t;
  }

  /** The ratio a driver's workload must reach at a thread count, NaN where no target is set. */
  static double target(String driver, String workload, int threads) {
    return RATIO_TARGETS.stream()
        .filter(
            t ->
                t.driver().equals(driver)
                    && t.workload().equals(workload)
                    && t.baseline().equals(PRIMARY_BASELINE.get(driver)))
        .map(t -> t.needed().getOrDefault(threads, Double.NaN))
        .findFirst()
        .orElse(Double.NaN);
  }
}
