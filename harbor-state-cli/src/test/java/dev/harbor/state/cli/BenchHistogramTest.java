package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BenchHistogramTest {

  @Test
  void smallValues_areExact() {
    BenchHistogram h = new BenchHistogram();
    for (int v = 1; v <= 100; v++) {
      h.record(v % 64);
    }
    assertThat(h.count()).isEqualTo(100);
    assertThat(h.percentile(100)).isEqualTo(63);
    assertThat(h.percentile(0)).isZero();
  }

  @Test
  void percentiles_ofAUniformSpread_areWithinThreePercent() {
    BenchHistogram h = new BenchHistogram();
    for (long v = 1; v <= 100_000; v++) {
      h.record(v * 1_000);
    }
    assertThat((double) h.percentile(50)).isCloseTo(50_000_000, within(50_000_000 * 0.03));
    assertThat((double) h.percentile(99)).isCloseTo(99_000_000, within(99_000_000 * 0.03));
    assertThat((double) h.percentile(99.9)).isCloseTo(99_900_000, within(99_900_000 * 0.03));
    assertThat(h.percentile(100)).isLessThanOrEqualTo(h.max()).isEqualTo(100_000_000);
  }

  @Test
  void aRareSlowCall_showsInTheTailOnly() {
    BenchHistogram h = new BenchHistogram();
    for (int i = 0; i < 999; i++) {
      h.record(10_000);
    }
    h.record(5_000_000_000L);
    assertThat((double) h.percentile(99)).isCloseTo(10_000, within(300.0));
    assertThat(h.percentile(99.99)).isEqualTo(h.max()).isEqualTo(5_000_000_000L);
  }

  @Test
  void merging_addsCountsAndKeepsTheMax() {
    BenchHistogram a = new BenchHistogram();
    BenchHistogram b = new BenchHistogram();
    a.record(1_000);
    b.record(1_000_000);
    b.record(-5);
    a.add(b);
    assertThat(a.count()).isEqualTo(3);
    assertThat(a.max()).isEqualTo(1_000_000);
    assertThat(a.percentile(1)).isZero();
  }

  @Test
  void everyBucket_mapsBackInsideItsOwnRange() {
    for (long v = 1; v > 0 && v < Long.MAX_VALUE / 3; v = v * 3 + 1) {
      long middle = BenchHistogram.middle(BenchHistogram.index(v));
      assertThat(BenchHistogram.index(middle)).as("value %d", v).isEqualTo(BenchHistogram.index(v));
      assertThat((double) middle).isCloseTo(v, within(Math.max(1, v * 0.032)));
    }
  }

  @Test
  void anEmptyHistogram_reportsZero() {
    assertThat(new BenchHistogram().percentile(99)).isZero();
  }
}
