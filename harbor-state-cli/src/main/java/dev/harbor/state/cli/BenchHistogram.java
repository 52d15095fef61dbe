package dev.harbor.state.cli;

/**
 * A small log-bucket latency histogram (nanoseconds): exact below 64 ns, then 32 buckets per power
 * of two, so a percentile is off by at most about 3 %. One per worker thread, merged at the end;
 * not thread-safe. Our own, so the tool needs no histogram dependency.
 */
final class BenchHistogram {

  private static final int SUB_BITS = 5;
  private static final int SUB = 1 << SUB_BITS;
  private static final int EXACT = 2 * SUB;
  private static final int FIRST_EXPONENT =
      SUB_BITS + 1; // 64 = 2^6 is the first value bucketed by exponent

  private final long[] counts = new long[EXACT + (64 - FIRST_EXPONENT) * SUB];
  private long count;
  private long max;

  /** Records one value; negative values count as zero. */
  void record(long nanos) {
    long v = Math.max(0, nanos);
    counts[index(v)]++;
    count++;
    if (v > max) {
      max = v;
    }
  }

  /** Adds another histogram's values to this one. */
  void add(BenchHistogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    count += other.count;
    max = Math.max(max, other.max);
  }

  long count() {
    return count;
  }

  long max() {
    return max;
  }

  /**
   * The value at a percentile: the middle of the bucket holding the rank {@code ceil(p/100 *
   * count)}, never above the largest value recorded; the largest value itself for the last rank.
   *
   * @param percentile 0..100
   * @return nanoseconds, 0 if empty
   */
  long percentile(double percentile) {
    if (count == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(percentile / 100.0 * count));
    if (rank >= count) {
      return max;
    }
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(max, middle(i));
      }
    }
    return max;
  }

  static int index(long v) {
    if (v < EXACT) {
      return (int) v;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(v);
    int sub = (int) ((v >>> (exponent - SUB_BITS)) & (SUB - 1));
    return EXACT + (exponent - FIRST_EXPONENT) * SUB + sub;
  }

  /** The middle value of a bucket. */
  static long middle(int index) {
    if (index < EXACT) {
      return index;
    }
    int exponent = (index - EXACT) / SUB + FIRST_EXPONENT;
    int sub = (index - EXACT) % SUB;
    long width = 1L << (exponent - SUB_BITS);
    long lower = (long) (SUB + sub) * width;
    return lower + width / 2;
  }
}
