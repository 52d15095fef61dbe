package dev.harbor.state.cli;

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

/** The bench's outputs: the table a person reads and the CSV the performance suite reads. */
final class BenchReport {

  /** The CSV columns, one row per result. */
  static final String CSV_HEADER =
      "driver,workload,payload,threads,target,ops_per_s,p50_ns,p99_ns,p999_ns,errors,"
          + "conflicts,first_error";

  private BenchReport() {}

  /** A (workload, payload, threads) cell of the table. */
  private record Cell(String workload, int payload, int threads) {}

  /**
   * Prints the table: per workload, payload and thread count the store's ops/s and latency
   * percentiles, then each baseline's ops/s and the store's ratio to it; notes on units and
   * failures follow.
   */
  static void table(PrintStream out, List<BenchResult> results) {
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
    for (String b : baselines) {
      header.add(b + " ops/s");
      header.add("ratio");
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(header);
    for (Map.Entry<Cell, Map<String, BenchResult>> e : cells.entrySet()) {
      Cell c = e.getKey();
      BenchResult s = e.getValue().get("store");
      List<String> row =
          new ArrayList<>(
              List.of(c.workload(), BenchFormat.size(c.payload()), Integer.toString(c.threads())));
      if (s == null) {
        row.addAll(List.of("-", "-", "-", "-", "-"));
      } else {
        row.addAll(
            List.of(
                BenchFormat.rate(s.opsPerSecond()),
                BenchFormat.latency(s.p50(), "-"),
                BenchFormat.latency(s.p99(), "-"),
                BenchFormat.latency(s.p999(), "-"),
                Long.toString(s.errors())));
      }
      for (String b : baselines) {
        BenchResult base = e.getValue().get(b);
        if (base == null) {
          row.add("");
          row.add("");
        } else if (base.errors() > 0 && base.opsPerSecond() == 0) {
          row.add("failed");
          row.add("");
        } else {
          row.add(BenchFormat.rate(base.opsPerSecond()));
          row.add(
              s == null || base.opsPerSecond() == 0
                  ? "-"
                  : BenchFormat.ratio(s.opsPerSecond() / base.opsPerSecond()));
        }
      }
      rows.add(row);
    }
    print(out, rows);
    out.println();
    out.println(
        "ops: saveAll = records (batches of "
            + BenchRunner.BATCH
            + "); saveIf = successful swaps on one hot"
            + " slot; mixed = whole sessions (7 calls). Latency is per call (saveAll: per batch; saveIf: find + saveIf;"
            + " mixed: per session).");
    for (BenchResult r : results) {
      if ("saveIf".equals(r.workload()) && r.isStore()) {
        out.printf(
            "saveIf %s, %d threads: %s swaps/s, %,d lost races (ConditionFailedException, expected),"
                + " %d other errors%n",
            BenchFormat.size(r.payload()),
            r.threads(),
            BenchFormat.rate(r.opsPerSecond()),
            r.conflicts(),
            r.errors());
      }
    }
    for (BenchResult r : results) {
      if (r.errors() > 0) {
        out.printf(
            "errors: %s %s %s, %d threads (%s): %d, first: %s%n",
            r.target(),
            r.workload(),
            BenchFormat.size(r.payload()),
            r.threads(),
            r.driver(),
            r.errors(),
            r.firstError());
      }
    }
  }

  private static void print(PrintStream out, List<List<String>> rows) {
    int cols = rows.get(0).size();
    int[] width = new int[cols];
    for (List<String> row : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        String v = row.get(i);
        boolean left = i == 0;
        String pad = " ".repeat(width[i] - v.length());
        sb.append(i == 0 ? "" : "  ").append(left ? v + pad : pad + v);
      }
      out.println(sb.toString().stripTrailing());
    }
  }

  /** Writes every result as CSV. */
  static void csv(Path file, List<BenchResult> results) throws IOException {
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
                  quote(r.firstError())))
          .append('\n');
    }
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
  }

  private static String quote(String s) {
    return s.isEmpty() ? "" : "\"" + s.replace("\"", "\"\"").replace('\n', ' ') + "\"";
  }
}
