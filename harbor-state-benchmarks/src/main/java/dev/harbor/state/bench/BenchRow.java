package dev.harbor.state.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One row of {@code harbor-state bench --csv}: a target doing a workload at a payload size and
 * thread count.
 *
 * @param driver the driver benchmarked
 * @param workload save, load, saveAll, saveIf or mixed
 * @param payload payload bytes
 * @param threads threads (pgbench: clients)
 * @param target {@code store} or a baseline: {@code map}, {@code sqlite-jdbc}, {@code jdbc}, {@code
 *     pgbench}
 * @param ops units per second (saveAll: records; saveIf: successful swaps; mixed: sessions)
 * @param p50 median latency in nanoseconds, 0 if not measured
 * @param p99 99th percentile latency in nanoseconds
 * @param p999 99.9th percentile latency in nanoseconds
 * @param errors unexpected failures
 * @param conflicts expected ConditionFailedExceptions (saveIf)
 * @param firstError the first unexpected failure, or empty
 */
public record BenchRow(
    String driver,
    String workload,
    int payload,
    int threads,
    String target,
    double ops,
    long p50,
    long p99,
    long p999,
    long errors,
    long conflicts,
    String firstError) {

  /**
   * Parses the CSV the bench command writes.
   *
   * @param lines the file's lines, header first
   * @return the rows
   * @throws IllegalArgumentException if the header or a row is not the bench's
   */
  public static List<BenchRow> parse(List<String> lines) {
    if (lines.isEmpty()
        || !lines.get(0).startsWith("driver,workload,payload,threads,target,ops_per_s")) {
      throw new IllegalArgumentException(
          "not a bench CSV: " + (lines.isEmpty() ? "empty" : lines.get(0)));
    }
    List<BenchRow> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      List<String> f = fields(line);
      if (f.size() != 12) {
        throw new IllegalArgumentException(
            "a bench CSV row has " + f.size() + " fields, not 12: " + line);
      }
      rows.add(
          new BenchRow(
              f.get(0),
              f.get(1),
              Integer.parseInt(f.get(2)),
              Integer.parseInt(f.get(3)),
              f.get(4),
              Double.parseDouble(f.get(5)),
              Long.parseLong(f.get(6)),
              Long.parseLong(f.get(7)),
              Long.parseLong(f.get(8)),
              Long.parseLong(f.get(9)),
              Long.parseLong(f.get(10)),
              f.get(11)));
    }
    return rows;
  }

  /** CSV fields: commas separate, double quotes quote, a doubled quote is a quote. */
  private static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          sb.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          sb.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(sb.toString());
        sb.setLength(0);
      } else {
        sb.append(c);
      }
    }
    out.add(sb.toString());
    return out;
  }
}
