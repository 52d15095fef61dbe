package dev.harbor.state.bench;

import dev.harbor.state.StateStores;
import dev.harbor.state.cli.bench.BenchBackend;
import dev.harbor.state.cli.bench.BenchPlan;
import dev.harbor.state.cli.bench.BenchReport;
import dev.harbor.state.cli.bench.BenchResult;
import dev.harbor.state.cli.bench.ChatBench;
import dev.harbor.state.spi.ScratchLocation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The full performance run behind {@code docs/PERFORMANCE.md}: the engine of {@code harbor-state
 * bench} for every driver, in this JVM, then the JMH benchmarks at each thread count; writes
 * PERFORMANCE.md and its SVG chart. Run from the shaded jar (its class path is what the JMH forks
 * use):
 *
 * <pre>
 * java -cp harbor-state-benchmarks/target/benchmarks.jar dev.harbor.state.bench.PerformanceSuite [--out docs]
 *     [--seconds 3] [--warmup 1] [--threads 1,4,16] [--payload 32,16384] [--drivers postgres,sqlite,inmem]
 *     [--jmh-seconds 2] [--no-jmh] [--revision COMMIT] [--chat-threads 1,8] [--chat-conversations 1,100] [--no-chat]
 * </pre>
 *
 * <p>With PostgreSQL among the drivers, it also runs the chat peer benchmark ({@link ChatBench}, 32
 * B messages) and prints its table for the notes of PERFORMANCE.md.
 */
public final class PerformanceSuite {

  /** The command PERFORMANCE.md records: build, then this suite with its defaults. */
  public static final String COMMAND =
      "mvn -B -ntp -DskipTests package && java -cp"
          + " harbor-state-benchmarks/target/benchmarks.jar dev.harbor.state.bench.PerformanceSuite --out docs";

  private PerformanceSuite() {}

  /**
   * Runs the suite.
   *
   * @param args see the class comment
   * @throws Exception if a bench process or JMH fails
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> given =
        new LinkedHashMap<>(
            Map.of(
                "--out",
                "docs",
                "--seconds",
                "3",
                "--warmup",
                "1",
                "--threads",
                "1,4,16",
                "--payload",
                "32,16384",
                "--drivers",
                "postgres,sqlite,inmem",
                "--jmh-seconds",
                "2",
                "--revision",
                ""));
    given.put("--chat-threads", "1,8");
    given.put("--chat-conversations", "1,100");
    boolean jmh = true;
    boolean chat = true;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--no-jmh")) {
        jmh = false;
      } else if (args[i].equals("--no-chat")) {
        chat = false;
      } else if (given.containsKey(args[i]) && i + 1 < args.length) {
        given.put(args[i], args[++i]);
      } else {
        throw new IllegalArgumentException(
            "unknown or incomplete argument "
                + args[i]
                + "; options: "
                + given.keySet()
                + " --no-jmh --no-chat");
      }
    }
    Opts opt = new Opts(given);
    Path out = Path.of(opt.get("--out"));
    Files.createDirectories(out);
    Path md = out.resolve("PERFORMANCE.md");
    // Read before measuring, so that notes the regeneration would drop stop it at once.
    String notes =
        Files.exists(md)
            ? PerformanceReport.notesOf(Files.readString(md, StandardCharsets.UTF_8))
            : "";
    String loadBefore = loadAverage();
    List<BenchResult> rows = new ArrayList<>();
    Map<String, String> settings = new LinkedHashMap<>();
    for (String driver : opt.get("--drivers").split(",", -1)) {
      try (BenchBackend backend = BenchBackend.open(BenchLocations.of(driver))) {
        backend.store();
        System.out.println("== bench " + backend.summary());
        settings.put(driver, "`" + backend.summary() + "`");
        List<BenchResult> results =
            backend.run(plan(opt), System.getenv(), step -> System.out.println("  " + step));
        BenchReport.table(System.out, results);
        long errors = results.stream().mapToLong(BenchResult::errors).sum();
        if (errors > 0) {
          throw new IllegalStateException(
              "bench " + driver + " saw " + errors + " unexpected errors");
        }
        rows.addAll(results);
      }
    }
    if (chat && List.of(opt.get("--drivers").split(",", -1)).contains("postgres")) {
      chat(opt);
    }
    List<JmhRow> jmhRows = jmh ? jmh(opt) : List.of();
    String loadAfter = loadAverage();
    List<String> machine = machine(loadBefore, loadAfter, opt);
    String date = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Files.writeString(
        md,
        PerformanceReport.markdown(date, COMMAND, machine, settings, rows, jmhRows, notes),
        StandardCharsets.UTF_8);
    Files.writeString(
        out.resolve(PerformanceChart.FILE), PerformanceChart.svg(rows), StandardCharsets.UTF_8);
    System.out.println("wrote " + md + " and " + out.resolve(PerformanceChart.FILE));
  }

  /** The bench plan of the options: every workload, with its baselines and pgbench. */
  private static BenchPlan plan(Opts opt) {
    return new BenchPlan(
        BenchPlan.WORKLOADS,
        numbers(opt.get("--threads")),
        numbers(opt.get("--payload")),
        (long) (Double.parseDouble(opt.get("--warmup")) * 1e9),
        (long) (Double.parseDouble(opt.get("--seconds")) * 1e9),
        100_000,
        true,
        true);
  }

  /** The chat peer benchmark on PostgreSQL, printed (its figures go to the notes by hand). */
  private static void chat(Opts opt) throws InterruptedException {
    try (BenchBackend backend = BenchBackend.open(BenchLocations.of("postgres"))) {
      System.out.println("== chat peer, " + backend.summary());
      BenchPlan plan =
          new BenchPlan(
              List.of(),
              numbers(opt.get("--chat-threads")),
              List.of(32),
              (long) (Double.parseDouble(opt.get("--warmup")) * 1e9),
              (long) (Double.parseDouble(opt.get("--seconds")) * 1e9),
              BenchPlan.BATCH,
              false,
              false);
      List<ChatBench.Result> results =
          ChatBench.run(
              backend,
              plan,
              numbers(opt.get("--chat-conversations")),
              step -> System.out.println("  " + step));
      ChatBench.table(System.out, results);
      long errors = results.stream().mapToLong(ChatBench.Result::errors).sum();
      if (errors > 0) {
        throw new IllegalStateException("chat bench saw " + errors + " unexpected errors");
      }
    }
  }

  private static List<Integer> numbers(String list) {
    return Arrays.stream(list.split(",", -1)).map(String::strip).map(Integer::valueOf).toList();
  }

  private static List<JmhRow> jmh(Opts opt) throws RunnerException {
    List<JmhRow> rows = new ArrayList<>();
    int seconds = Integer.parseInt(opt.get("--jmh-seconds"));
    String[] drivers = opt.get("--drivers").split(",", -1);
    for (String t : opt.get("--threads").split(",", -1)) {
      int threads = Integer.parseInt(t.strip());
      System.out.println("== JMH, " + threads + " threads");
      OptionsBuilder b = new OptionsBuilder();
      b.include(StoreBenchmarks.class.getName() + "\\.")
          .threads(threads)
          .forks(1)
          .warmupIterations(1)
          .warmupTime(TimeValue.seconds(1))
          .measurementIterations(2)
          .measurementTime(TimeValue.seconds(seconds))
          .param("payload", "32")
          .param("driver", drivers)
          .timeUnit(TimeUnit.SECONDS)
          .shouldFailOnError(true);
      for (RunResult r : new Runner(b.build()).run()) {
        String bench = r.getParams().getBenchmark().replaceAll(".*\\.", "");
        rows.add(
            new JmhRow(
                bench,
                r.getParams().getParam("driver"),
                r.getParams().getParam("target"),
                threads,
                r.getPrimaryResult().getScore(),
                r.getPrimaryResult().getScoreError()));
      }
    }
    return rows;
  }

  private static List<String> machine(String loadBefore, String loadAfter, Opts opt) {
    List<String> m = new ArrayList<>();
    if (!opt.get("--revision").isBlank()) {
      m.add("revision measured: `" + opt.get("--revision") + "`");
    }
    m.add(
        Runtime.getRuntime().availableProcessors()
            + " cores ("
            + cpuModel()
            + "), "
            + memory()
            + " memory, "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + ", one ext4 disk shared by"
            + " PostgreSQL and the SQLite files");
    m.add(
        "Java "
            + System.getProperty("java.vm.version")
            + " ("
            + System.getProperty("java.vm.name")
            + "), default"
            + " heap and GC");
    m.add(
        "load average before / after the run: "
            + loadBefore
            + " / "
            + loadAfter
            + " (other work on the machine shows here)");
    m.add(
        "bench: "
            + opt.get("--seconds")
            + " s measured after "
            + opt.get("--warmup")
            + " s warmup per run,"
            + " threads "
            + opt.get("--threads")
            + ", payloads "
            + opt.get("--payload")
            + " B; JMH: 1 fork, 1 × 1 s"
            + " warmup, 2 × "
            + opt.get("--jmh-seconds")
            + " s measurement");
    m.add("PostgreSQL: " + postgresSettings());
    return m;
  }

  /** The server settings that shape durable writes, read through a scratch schema's connection. */
  private static String postgresSettings() {
    try (ScratchLocation scratch = StateStores.scratch(BenchLocations.postgres(), "bench");
        Connection c =
            DriverManager.getConnection(scratch.jdbcUrl().orElseThrow(), scratch.jdbcProperties());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT name, setting, unit FROM pg_settings WHERE name IN ('server_version',"
                    + " 'synchronous_commit', 'fsync', 'wal_sync_method', 'full_page_writes', 'shared_buffers',"
                    + " 'max_connections', 'commit_delay', 'max_wal_size') ORDER BY name")) {
      List<String> parts = new ArrayList<>();
      while (rs.next()) {
        String unit = rs.getString(3);
        parts.add(
            "`"
                + rs.getString(1)
                + "="
                + rs.getString(2)
                + (unit == null ? "" : " × " + unit)
                + "`");
      }
      return String.join(", ", parts) + " (server defaults otherwise)";
    } catch (SQLException | RuntimeException e) {
      return "settings unavailable: " + e.getMessage();
    }
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return String.join(" ", Arrays.copyOf(f, 3));
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip())
          .findFirst()
          .orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }

  private static String memory() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream()
          .filter(l -> l.startsWith("MemTotal"))
          .map(
              l ->
                  String.format(
                      Locale.ROOT,
                      "%.1f GiB",
                      Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
          .findFirst()
          .orElse("unknown");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** The options, every one of them with a value (a default or the given one). */
  private record Opts(Map<String, String> values) {
    String get(String name) {
      return Objects.requireNonNull(values.get(name), name);
    }
  }
}
