package dev.harbor.state.cli;

import java.util.Locale;

/**
 * How benchmark figures are written, in the {@code bench} table and in the benchmark module's
 * report alike. Public only for {@code harbor-state-benchmarks}; not a supported API.
 */
public final class BenchFormat {

  private BenchFormat() {}

  /**
   * A payload size: whole KiB as {@code 16 KiB}, else bytes.
   *
   * @param bytes the size
   * @return the text
   */
  public static String size(int bytes) {
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

  /**
   * A latency as µs below 1 ms, else ms.
   *
   * @param nanos the latency; 0 or less when not measured
   * @param unmeasured the text for a latency that was not measured
   * @return the text
   */
  public static String latency(long nanos, String unmeasured) {
    if (nanos <= 0) {
      return unmeasured;
    }
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
    }
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }
}
