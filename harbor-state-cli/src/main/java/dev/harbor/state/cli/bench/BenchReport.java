package dev.harbor.state.cli.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The bench's outputs, and how its figures are written: the table a person reads, the same table in
 * Markdown for the performance report, and CSV.
 */
public final class BenchReport {

  /** The CSV columns, one row per result. */
  private static final String CSV_HEADER =
      "driver,workload,payload,threads,target,ops_per_s,p50_ns,p99_ns,p999_ns,errors,"
          + "conflicts,first_error,group_mean,group_p99";

  private BenchReport() {}

  /** A (workload, payload, threads) cell of the table. */
  private record Cell(String workload, int payload, int threads) {}

  /**
   * Prints the table: per workload, payload and thread count the store's ops/s and latency
   * percentiles, then each baseline's ops/s and the store's ratio to it; notes on units and
   * failures follow.
   *
   * @param out where to print
   * @param results the results, in run order
   */
  public static void table(PrintStream out, List<BenchResult> results) {
    List<List<String>> rows = grid(results, false);
    int[] width = new int[rows.get(0).size()];
    for (List<String> row : rows) {
      for (int i = 0; i < width.length; i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < width.length; i++) {
        String v = row.get(i);
        String pad = " ".repeat(width[i] - v.length());
        sb.append(i == 0 ? v + pad : "  " + pad + v);
      }
      out.println(sb.toString().stripTrailing());
    }
    out.println();
    out.println(
        "ops: saveAll = records (batches of "
            + BenchPlan.BATCH
            + "); saveIf = successful swaps on one hot"
            + " slot; mixed = whole sessions (7 calls). Latency is per call (saveAll: per batch; saveIf: find + saveIf;"
            + " mixed: per session).");
    for (BenchResult r : results) {
      if ("saveIf".equals(r.workload()) && r.isStore()) {
        out.printf(
            "saveIf %s, %d threads: %s swaps/s, %,d lost races (ConditionFailedException, expected),"
                + " %d other errors%n",
            size(r.payload()), r.threads(), rate(r.opsPerSecond()), r.conflicts(), r.errors());
      }
    }
    for (BenchResult r : results) {
      if (r.errors() > 0) {
        out.printf(
            "errors: %s %s %s, %d threads (%s): %d, first: %s%n",
            r.target(),
            r.workload(),
            size(r.payload()),
            r.threads(),
            r.driver(),
            r.errors(),
            r.firstError());
      }
    }
  }

  /**
   * The table of {@link #table} as Markdown, ratios in bold, without the notes.
   *
   * @param results one driver's results, in run order
   * @return the table's lines
   */
  public static String markdown(List<BenchResult> results) {
    List<List<String>> rows = grid(results, true);
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      sb.append("| ").append(String.join(" | ", rows.get(r))).append(" |\n");
      if (r == 0) {
        sb.append("|---|").append("---:|".repeat(rows.get(0).size() - 1)).append('\n');
      }
    }
    return sb.toString();
  }

  /** The table's cells, header first; Markdown leaves unmeasured cells empty and bolds ratios. */
  private static List<List<String>> grid(List<BenchResult> results, boolean markdown) {
    String none = markdown ? "" : "-";
    Map<Cell, Map<String, BenchResult>> cells = new LinkedHashMap<>();
    Set<String> baselines = new LinkedHashSet<>();
    for (BenchResult r : results) {
      cells
          .computeIfAbsent(
              new Cell(r.workload(), r.payload(), r.threads()), k -> new LinkedHashMap<>())
          .put(r.target(), r);
      if (!r.isStore()) {
        baselines.add(r.target());
      }
    }
    List<String> header =
        new ArrayList<>(
            List.of("workload", "payload", "threads", "ops/s", "p50", "p99", "p99.9", "errors"));
    // Group commit's writes per commit, beside the throughput, when any run committed groups.
    boolean groups = results.stream().anyMatch(r -> r.groupMean() > 0);
    if (groups) {
      header.addAll(List.of("group mean", "group p99"));
    }
    for (String b : baselines) {
      header.add(b + " ops/s");
      header.add("ratio");
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(header);
    for (Map.Entry<Cell, Map<String, BenchResult>> e : cells.entrySet()) {
      Cell c = e.getKey();
      BenchResult s = e.getValue().get(BenchResult.STORE);
      List<String> row =
          new ArrayList<>(List.of(c.workload(), size(c.payload()), Integer.toString(c.threads())));
      if (s == null) {
        row.addAll(List.of(none, none, none, none, none));
        if (groups) {
          row.addAll(List.of(none, none));
        }
      } else {
        row.addAll(
            List.of(
                rate(s.opsPerSecond()),
                latency(s.p50(), none),
                latency(s.p99(), none),
                latency(s.p999(), none),
                Long.toString(s.errors())));
        if (groups) {
          row.addAll(
              s.groupMean() > 0
                  ? List.of(
                      String.format(Locale.ROOT, "%.1f", s.groupMean()),
                      Integer.toString(s.groupP99()))
                  : List.of(none, none));
        }
      }
      for (String b : baselines) {
        BenchResult base = e.getValue().get(b);
        if (base == null) {
          row.addAll(List.of("", ""));
        } else if (base.opsPerSecond() <= 0) {
          row.addAll(List.of("failed", ""));
        } else if (s == null) {
          row.addAll(List.of(rate(base.opsPerSecond()), none));
        } else {
          String ratio = ratio(s.opsPerSecond() / base.opsPerSecond());
          row.addAll(List.of(rate(base.opsPerSecond()), markdown ? "**" + ratio + "**" : ratio));
        }
      }
      rows.add(row);
    }
    return rows;
  }

  /**
   * Writes every result as CSV.
   *
   * @param file the file, replaced
   * @param results the results
   * @throws IOException if the file cannot be written
   */
  public static void csv(Path file, List<BenchResult> results) throws IOException {
    StringBuilder sb = new StringBuilder(CSV_HEADER).append('\n');
    for (BenchResult r : results) {
      sb.append(
              String.join(
                  ",",
                  r.driver(),
                  r.workload(),
                  Integer.toString(r.payload()),
                  Integer.toString(r.threads()),
                  r.target(),
                  String.format(Locale.ROOT, "%.1f", r.opsPerSecond()),
                  Long.toString(r.p50()),
                  Long.toString(r.p99()),
                  Long.toString(r.p999()),
                  Long.toString(r.errors()),
                  Long.toString(r.conflicts()),
                  quote(r.firstError()),
                  String.format(Locale.ROOT, "%.2f", r.groupMean()),
                  Integer.toString(r.groupP99())))
          .append('\n');
    }
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
  }

  private static String quote(String s) {
    return s.isEmpty() ? "" : "\"" + s.replace("\"", "\"\"").replace('\n', ' ') + "\"";
  }

  /** A payload size: whole KiB as {@code 16 KiB}, else bytes. */
  static String size(int bytes) {
    return bytes >= 1024 && bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " B";
  }

  /**
   * A throughput with thousands separators; one decimal below 100.
   *
   * @param perSecond operations per second
   * @return the text
   */
  public static String rate(double perSecond) {
    return String.format(Locale.ROOT, perSecond >= 100 ? "%,.0f" : "%,.1f", perSecond);
  }

  /**
   * A ratio with two decimals.
   *
   * @param r the ratio
   * @return the text
   */
  public static String ratio(double r) {
    return String.format(Locale.ROOT, "%.2f", r);
  }

  /** A latency as µs below 1 ms, else ms; {@code unmeasured} for 0. */
  static String latency(long nanos, String unmeasured) {
    if (nanos <= 0) {
      return unmeasured;
    }
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
    }
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }
}
