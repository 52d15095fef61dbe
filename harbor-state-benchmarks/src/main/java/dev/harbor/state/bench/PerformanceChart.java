package dev.harbor.state.bench;

import static dev.harbor.state.bench.PerformanceTargets.DRIVERS;
import static dev.harbor.state.bench.PerformanceTargets.PRIMARY_BASELINE;
import static dev.harbor.state.bench.PerformanceTargets.TARGET_PAYLOAD;
import static dev.harbor.state.bench.PerformanceTargets.find;
import static dev.harbor.state.bench.PerformanceTargets.target;
import static dev.harbor.state.bench.PerformanceTargets.threadsOf;

import dev.harbor.state.cli.bench.BenchReport;
import dev.harbor.state.cli.bench.BenchResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code docs/performance.svg}: the bench rows drawn as ratios to each driver's primary baseline,
 * with each bar's target beside it. Plain SVG written by hand, so the report needs no charting
 * library.
 */
final class PerformanceChart {

  /** The chart's file name, beside PERFORMANCE.md. */
  static final String FILE = "performance.svg";

  private static final String[] COLORS = {"#4c78a8", "#f58518", "#54a24b", "#b279a2"};

  /**
   * The chart: one panel per driver, the store's ratio to its primary baseline (pgbench, the bare
   * sqlite-jdbc loop, the bare map) for save, load and saveAll at 32 B, one bar per thread count,
   * the target as a dashed line.
   *
   * @param rows the bench rows
   * @return an SVG document
   */
  static String svg(List<BenchResult> rows) {
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
    // Grid lines every 0.2 up to 2, every 0.5 above, so their labels never overlap.
    double step = max <= 2 ? 0.2 : 0.5;
    max = Math.ceil(max / step) * step;
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
      for (double g = 0; g <= max + 1e-9; g += step) {
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

  private PerformanceChart() {}
}
