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
 * Renders a full run as {@code docs/PERFORMANCE.md} and its chart {@code docs/performance.svg}: the
 * machine, the command, the targets with their verdicts, the bench tables per driver, the JMH
 * table, and what limits each figure. A hand-written notes section between {@link #NOTES_BEGIN} and
 * {@link #NOTES_END} survives regeneration.
 */
public final class PerformanceReport {

  /** Start of the preserved notes. */
  public static final String NOTES_BEGIN = "<!-- notes:begin -->";

  /** End of the preserved notes. */
  public static final String NOTES_END = "<!-- notes:end -->";

  /** The chart's file name, beside PERFORMANCE.md. */
  public static final String CHART = "performance.svg";

  /** The payload the targets are stated for. */
  static final int TARGET_PAYLOAD = 32;

  /** The baseline a driver's figures are judged against. */
  static final Map<String, String> PRIMARY_BASELINE =
      Map.of("inmem", "map", "sqlite", "sqlite-jdbc", "postgres", "pgbench");

  static final List<String> DRIVERS = List.of("postgres", "sqlite", "inmem");
  static final Map<String, String> TITLES =
      Map.of("postgres", "PostgreSQL", "sqlite", "SQLite", "inmem", "In-memory");

  private PerformanceReport() {}

  /**
   * One target of the issue and how the run fared.
   *
   * @param target what is required
   * @param threads the thread count it is checked at
   * @param measured the figures behind the verdict
   * @param ratio the measured ratio (NaN where the target is not a ratio)
   * @param needed the ratio needed
   * @param holds whether it holds; empty if not measured
   */
  public record Verdict(
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
  public static List<Verdict> verdicts(List<BenchResult> rows) {
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
    String title = target.title();
    Optional<BenchResult> s =
        find(rows, target.driver(), target.workload(), TARGET_PAYLOAD, threads, "store");
    Optional<BenchResult> b =
        find(rows, target.driver(), target.workload(), TARGET_PAYLOAD, threads, target.baseline());
    if (s.isEmpty() || b.isEmpty() || b.get().opsPerSecond() <= 0) {
      return new Verdict(title, threads, "not measured", Double.NaN, needed, Optional.empty());
    }
    double r = s.get().opsPerSecond() / b.get().opsPerSecond();
    return new Verdict(
        title,
        threads,
        BenchReport.rate(s.get().opsPerSecond())
            + " vs "
            + BenchReport.rate(b.get().opsPerSecond())
            + " ops/s",
        r,
        needed,
        Optional.of(r >= needed));
  }

  private static Verdict sqliteLoadScaling(List<BenchResult> rows) {
    String title = "SQLite load at 4 threads vs at 1 thread";
    Optional<BenchResult> one = find(rows, "sqlite", "load", TARGET_PAYLOAD, 1, "store");
    Optional<BenchResult> four = find(rows, "sqlite", "load", TARGET_PAYLOAD, 4, "store");
    if (one.isEmpty() || four.isEmpty()) {
      return new Verdict(
          title, 4, "not measured", Double.NaN, SQLITE_LOAD_SCALING, Optional.empty());
    }
    double r = four.get().opsPerSecond() / one.get().opsPerSecond();
    return new Verdict(
        title,
        4,
        BenchReport.rate(four.get().opsPerSecond())
            + " vs "
            + BenchReport.rate(one.get().opsPerSecond())
            + " ops/s",
        r,
        SQLITE_LOAD_SCALING,
        Optional.of(r >= SQLITE_LOAD_SCALING));
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

  private static Set<Integer> threadsOf(List<BenchResult> rows) {
    Set<Integer> t = new TreeSet<>();
    rows.forEach(r -> t.add(r.threads()));
    return t;
  }

  /**
   * The whole PERFORMANCE.md.
   *
   * @param date when the run ended (UTC)
   * @param command the command that reproduces every table
   * @param machine lines describing the machine, JVM and server settings
   * @param settings per driver, the bench's settings line
   * @param rows the bench rows
   * @param jmh the JMH rows
   * @param notes the preserved notes (without markers)
   * @return the markdown
   */
  public static String markdown(
      String date,
      String command,
      List<String> machine,
      Map<String, String> settings,
      List<BenchResult> rows,
      List<JmhRow> jmh,
      String notes) {
    StringBuilder md = new StringBuilder();
    md.append("# Performance\n\n");
    md.append(
        "<!-- Generated by dev.harbor.state.bench.PerformanceSuite; regenerate rather than edit. Only the"
            + " Notes section at the end is hand-written and kept across runs. -->\n\n");
    md.append("Latest full run: ")
        .append(date)
        .append(
            ". Every figure is beside a baseline measured in the same run,"
                + " on the same machine, and judged as a ratio to it: absolute numbers from a shared 2-core machine say"
                + " little, ratios say what the library costs over its backend.\n\n");
    md.append(
            "## Reproduce\n\nFrom the repository root (PostgreSQL from `HARBOR_BENCH_POSTGRES_URL`, else"
                + " `HARBOR_TEST_POSTGRES_URL`, else `")
        .append(BenchLocations.DEFAULT_POSTGRES)
        .append("`; pgbench on the" + " PATH for the server baseline):\n\n```\n")
        .append(command)
        .append("\n```\n\n");
    md.append(
        "It runs the engine of `harbor-state bench` once per driver (every workload, payload and thread count"
            + " below, with its baselines), then the JMH benchmarks of `harbor-state-benchmarks`, and rewrites this file and"
            + " ["
            + CHART
            + "]("
            + CHART
            + "). A single driver by hand: `./harbor-state bench --store <location>`.\n\n");
    md.append("## Machine\n\n");
    for (String line : machine) {
      md.append("- ").append(line).append('\n');
    }
    md.append('\n');
    md.append("## Targets (32 B payload)\n\n");
    md.append(
        "| target | threads | measured | ratio | needed | holds |\n|---|---:|---|---:|---:|---|\n");
    for (Verdict v : verdicts(rows)) {
      md.append("| ")
          .append(v.target())
          .append(" | ")
          .append(v.threads())
          .append(" | ")
          .append(v.measured())
          .append(" | ")
          .append(Double.isNaN(v.ratio()) ? "" : BenchReport.ratio(v.ratio()))
          .append(" | ")
          .append(Double.isNaN(v.needed()) ? "" : BenchReport.ratio(v.needed()))
          .append(" | ")
          .append(v.holds().map(h -> h ? "yes" : "**no**").orElse("not measured"))
          .append(" |\n");
    }
    md.append('\n');
    md.append(
        "![store throughput as a ratio to its baseline, per workload and thread count]("
            + CHART
            + ")\n\n");
    md.append(
        "Ops: saveAll counts records (batches of 100); saveIf counts successful swaps with every thread racing"
            + " on one hot slot (find, then saveIf on the event id found; lost races are the expected"
            + " ConditionFailedException); mixed counts whole agent sessions (saveIf of a lifecycle record, 3 checkpoint"
            + " saves, a load, a prefix list, erasing the session: 7 calls). Latency is per call (saveAll: per batch;"
            + " saveIf: find + saveIf; mixed: per session); pgbench reports no percentiles here.\n\n");
    for (String d : DRIVERS) {
      List<BenchResult> mine = rows.stream().filter(r -> r.driver().equals(d)).toList();
      if (mine.isEmpty()) {
        continue;
      }
      md.append("## ").append(TITLES.get(d)).append(": `harbor-state bench`\n\n");
      if (settings.containsKey(d)) {
        md.append(settings.get(d)).append("\n\n");
      }
      md.append(BenchReport.markdown(mine)).append('\n');
    }
    if (!jmh.isEmpty()) {
      md.append("## JMH: save, load, saveAll\n\n");
      md.append(
          "`StoreBenchmarks` (throughput, ops/s; saveAll in records/s) with `@Param` over driver and target"
              + " (`store` or its bare `baseline`), 32 B payload, one fork, the same backends and targets as the bench"
              + " command. The ± is JMH's 99.9 % confidence half-width where it has enough iterations.\n\n");
      md.append(jmhTable(jmh)).append('\n');
    }
    md.append(LIMITS);
    md.append("\n## Notes\n\n")
        .append(NOTES_BEGIN)
        .append('\n')
        .append(notes.strip())
        .append('\n')
        .append(NOTES_END)
        .append('\n');
    return md.toString();
  }

  /** What limits each figure; stated once, true of every run on such a machine. */
  static final String LIMITS =
      """
      ## What limits each figure

      - **Single durable writes** (PostgreSQL and SQLite `save`, `saveIf`, the writes of `mixed`): one commit, one
        disk flush (PostgreSQL: a WAL `fdatasync` per commit with `synchronous_commit=on`; SQLite: WAL with
        `synchronous=FULL` syncs the WAL on every commit). At one thread the flush latency of the disk is the whole
        story for both the store and the baseline. With more threads the store's group commit (on by default) puts
        concurrent saves into one transaction and one flush: SQLite always, PostgreSQL once more writers are waiting
        than commit alone well (8 on this machine). The bare sqlite-jdbc loop cannot share a commit (one writer at a
        time), so its throughput stays flat with threads; pgbench shares only the server's WAL flush. What a grouped
        save still costs is its own work: the index pages it writes (the notes' "Profiles (issue 12)").
      - **Reads and batches on PostgreSQL**: round trips and CPU. A load is one round trip; at 4 and 16 threads on 2
        cores the client (JVM) and the server share the CPU, so every microsecond the Java side spends (pool,
        statement preparation, result mapping) is taken from the server. pgbench's C client is the ceiling.
      - **saveAll**: one round trip and one commit per 100 records, so the per-record cost is CPU: building and
        binding the arrays on the client, the statement's work on the server.
      - **saveIf on one hot slot**: serialized by design (one winner per generation); throughput is the length of
        one swap, lock plus read plus write plus commit, and lost races grow with threads.
      - **In-memory**: pure CPU and memory bandwidth. The store is the plain reference (issue 11): one lock around
        sorted maps, held for each call's whole step, so its ratio falls as threads are added; the bare map is a
        `ConcurrentHashMap` with no validation, no event-id index, no timestamps and no copy of the payload.
      """;

  static String jmhTable(List<JmhRow> rows) {
    StringBuilder sb =
        new StringBuilder(
            """
            | benchmark | driver | threads | store ops/s | baseline ops/s | ratio |
            |---|---|---:|---:|---:|---:|
            """);
    for (String bench : List.of("save", "load", "saveAll")) {
      for (String d : DRIVERS) {
        Set<Integer> threads = new TreeSet<>();
        rows.stream()
            .filter(r -> r.benchmark().equals(bench) && r.driver().equals(d))
            .forEach(r -> threads.add(r.threads()));
        for (int t : threads) {
          Optional<JmhRow> s = jmh(rows, bench, d, "store", t);
          Optional<JmhRow> b = jmh(rows, bench, d, "baseline", t);
          sb.append("| ")
              .append(bench)
              .append(" | ")
              .append(d)
              .append(" | ")
              .append(t)
              .append(" | ")
              .append(s.map(PerformanceReport::score).orElse(""))
              .append(" | ")
              .append(b.map(PerformanceReport::score).orElse(""))
              .append(" | ")
              .append(
                  s.isPresent() && b.isPresent() && b.get().score() > 0
                      ? "**" + BenchReport.ratio(s.get().score() / b.get().score()) + "**"
                      : "")
              .append(" |\n");
        }
      }
    }
    return sb.toString();
  }

  private static Optional<JmhRow> jmh(
      List<JmhRow> rows, String bench, String driver, String target, int t) {
    return rows.stream()
        .filter(
            r ->
                r.benchmark().equals(bench)
                    && r.driver().equals(driver)
                    && r.target().equals(target)
                    && r.threads() == t)
        .findFirst();
  }

  private static String score(JmhRow r) {
    return BenchReport.rate(r.score())
        + (Double.isNaN(r.error()) || r.error() <= 0 ? "" : " ± " + BenchReport.rate(r.error()));
  }

  // ---- the chart ----

  private static final String[] COLORS = {"#4c78a8", "#f58518", "#54a24b", "#b279a2"};

  /**
   * The chart: one panel per driver, the store's ratio to its primary baseline (pgbench, the bare
   * sqlite-jdbc loop, the bare map) for save, load and saveAll at 32 B, one bar per thread count,
   * the target as a dashed line.
   *
   * @param rows the bench rows
   * @return an SVG document
   */
  public static String svg(List<BenchResult> rows) {
    List<String> workloads = List.of("save", "load", "saveAll");
    List<Integer> threads = new ArrayList<>(threadsOf(rows));
    List<String> drivers =
        DRIVERS.stream().filter(d -> rows.stream().anyMatch(r -> r.driver().equals(d))).toList();
    double max = 1.2;
    for (BenchResult r : rows) {
      Optional<Double> ratio = chartRatio(rows, r.driver(), r.workload(), r.threads());
      if (ratio.isPresent()) {
        max = Math.max(max, ratio.get());
      }
      double target = target(r.driver(), r.workload(), r.threads());
      if (!Double.isNaN(target)) {
        max = Math.max(max, target);
      }
    }
    max = Math.ceil(max * 5) / 5;
    int panelW = 300;
    int panelH = 240;
    int top = 60;
    int left = 50;
    int width = left + Math.max(1, drivers.size()) * (panelW + 20) + 10;
    int height = top + panelH + 70;
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s.append("<text x=\"")
        .append(left)
        .append(
            "\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Store throughput"
                + " as a ratio to its baseline (32 B payload)</text>\n");
    s.append("<text x=\"")
        .append(left)
        .append(
            "\" y=\"40\" fill=\"#555\">postgres: pgbench; sqlite: bare"
                + " sqlite-jdbc loop; inmem: bare ConcurrentHashMap. Dashed: the target at that thread count.</text>\n");
    for (int p = 0; p < drivers.size(); p++) {
      String d = drivers.get(p);
      int x0 = left + p * (panelW + 20);
      int y0 = top;
      s.append("<text x=\"")
          .append(x0 + panelW / 2)
          .append("\" y=\"")
          .append(y0 + 4)
          .append("\" text-anchor=\"middle\" font-weight=\"bold\">")
          .append(d)
          .append(" vs ")
          .append(PRIMARY_BASELINE.get(d))
          .append("</text>\n");
      int plotTop = y0 + 14;
      int plotH = panelH - 30;
      for (double g = 0; g <= max + 1e-9; g += 0.2) {
        int y = plotTop + plotH - (int) Math.round(g / max * plotH);
        s.append("<line x1=\"")
            .append(x0)
            .append("\" x2=\"")
            .append(x0 + panelW)
            .append("\" y1=\"")
            .append(y)
            .append("\" y2=\"")
            .append(y)
            .append("\" stroke=\"")
            .append(Math.abs(g - 1) < 1e-9 ? "#999" : "#eee")
            .append("\"/>\n");
        if (p == 0) {
          s.append("<text x=\"")
              .append(x0 - 6)
              .append("\" y=\"")
              .append(y + 4)
              .append("\" text-anchor=\"end\">")
              .append(String.format(Locale.ROOT, "%.1f", g))
              .append("</text>\n");
        }
      }
      int groupW = panelW / workloads.size();
      int barW = Math.max(6, (groupW - 20) / Math.max(1, threads.size()));
      for (int w = 0; w < workloads.size(); w++) {
        String workload = workloads.get(w);
        int gx = x0 + w * groupW + 10;
        for (int t = 0; t < threads.size(); t++) {
          Optional<Double> ratio = chartRatio(rows, d, workload, threads.get(t));
          if (ratio.isEmpty()) {
            continue;
          }
          int h = (int) Math.round(ratio.get() / max * plotH);
          int bx = gx + t * barW;
          s.append("<rect x=\"")
              .append(bx)
              .append("\" y=\"")
              .append(plotTop + plotH - h)
              .append("\" width=\"")
              .append(barW - 2)
              .append("\" height=\"")
              .append(h)
              .append("\" fill=\"")
              .append(COLORS[t % COLORS.length])
              .append("\"><title>")
              .append(d)
              .append(' ')
              .append(workload)
              .append(", ")
              .append(threads.get(t))
              .append(" threads: ")
              .append(BenchReport.ratio(ratio.get()))
              .append("</title></rect>\n");
          s.append("<text x=\"")
              .append(bx + (barW - 2) / 2)
              .append("\" y=\"")
              .append(plotTop + plotH - h - 3)
              .append("\" text-anchor=\"middle\" font-size=\"9\">")
              .append(BenchReport.ratio(ratio.get()))
              .append("</text>\n");
          double target = target(d, workload, threads.get(t));
          if (!Double.isNaN(target)) {
            int ty = plotTop + plotH - (int) Math.round(target / max * plotH);
            s.append("<line x1=\"")
                .append(bx - 1)
                .append("\" x2=\"")
                .append(bx + barW - 1)
                .append("\" y1=\"")
                .append(ty)
                .append("\" y2=\"")
                .append(ty)
                .append("\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"4,2\"/>\n");
          }
        }
        s.append("<text x=\"")
            .append(gx + threads.size() * barW / 2)
            .append("\" y=\"")
            .append(plotTop + plotH + 16)
            .append("\" text-anchor=\"middle\">")
            .append(workload)
            .append("</text>\n");
      }
      s.append("<line x1=\"")
          .append(x0)
          .append("\" x2=\"")
          .append(x0 + panelW)
          .append("\" y1=\"")
          .append(plotTop + plotH)
          .append("\" y2=\"")
          .append(plotTop + plotH)
          .append("\" stroke=\"#333\"/>\n");
    }
    int ly = top + panelH + 40;
    for (int t = 0; t < threads.size(); t++) {
      int lx = left + t * 110;
      s.append("<rect x=\"")
          .append(lx)
          .append("\" y=\"")
          .append(ly - 10)
          .append("\" width=\"12\" height=\"12\"" + " fill=\"")
          .append(COLORS[t % COLORS.length])
          .append("\"/>\n");
      s.append("<text x=\"")
          .append(lx + 18)
          .append("\" y=\"")
          .append(ly)
          .append("\">")
          .append(threads.get(t))
          .append(threads.get(t) == 1 ? " thread" : " threads")
          .append("</text>\n");
    }
    s.append("</svg>\n");
    return s.toString();
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

  private static Optional<Double> chartRatio(
      List<BenchResult> rows, String driver, String workload, int threads) {
    String baseline = PRIMARY_BASELINE.get(driver);
    if (baseline == null) {
      return Optional.empty();
    }
    Optional<BenchResult> s = find(rows, driver, workload, TARGET_PAYLOAD, threads, "store");
    Optional<BenchResult> b = find(rows, driver, workload, TARGET_PAYLOAD, threads, baseline);
    if (s.isEmpty() || b.isEmpty() || b.get().opsPerSecond() <= 0) {
      return Optional.empty();
    }
    return Optional.of(s.get().opsPerSecond() / b.get().opsPerSecond());
  }

  // ---- formatting ----

  /**
   * The notes between the markers of an existing PERFORMANCE.md.
   *
   * @param existing the file's content, or empty
   * @return the notes, or empty
   */
  public static String notesOf(String existing) {
    int b = existing.indexOf(NOTES_BEGIN);
    int e = existing.indexOf(NOTES_END);
    return b < 0 || e < b ? "" : existing.substring(b + NOTES_BEGIN.length(), e).strip();
  }
}
