package dev.harbor.state.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchReportTest {

  private static String table(List<BenchResult> results) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BenchReport.table(new PrintStream(bytes, true, StandardCharsets.UTF_8), results);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void eachBaseline_getsItsOwnColumns_andTheRatioIsStoreOverBaseline() {
    String t =
        table(
            List.of(
                new BenchResult(
                    "postgres",
                    "save",
                    32,
                    4,
                    "store",
                    900,
                    1_500_000,
                    4_000_000,
                    9_000_000,
                    0,
                    0,
                    "",
                    0,
                    0),
                new BenchResult(
                    "postgres",
                    "save",
                    32,
                    4,
                    "jdbc",
                    1000,
                    1_000_000,
                    3_000_000,
                    8_000_000,
                    0,
                    0,
                    "",
                    0,
                    0),
                new BenchResult(
                    "postgres", "save", 32, 4, "pgbench", 1200, 0, 0, 0, 0, 0, "", 0, 0),
                new BenchResult(
                    "postgres",
                    "saveIf",
                    16384,
                    4,
                    "store",
                    300,
                    2_000,
                    3_000,
                    4_000,
                    0,
                    77,
                    "",
                    0,
                    0)));
    assertThat(t).contains("jdbc ops/s", "pgbench ops/s");
    assertThat(t)
        .containsPattern(
            "(?m)^save +32 B +4 +900 +1\\.50 ms +4\\.00 ms +9\\.00 ms +0 +1,000 +0\\.90 +1,200"
                + " +0\\.75$");
    assertThat(t).containsPattern("(?m)^saveIf +16 KiB +4 +300 +2\\.0 µs +3\\.0 µs +4\\.0 µs +0$");
    assertThat(t)
        .contains(
            "saveIf 16 KiB, 4 threads: 300 swaps/s, 77 lost races (ConditionFailedException,"
                + " expected), 0 other errors");
  }

  @Test
  void failures_areListedWithTheirFirstMessage() {
    String t =
        table(
            List.of(
                new BenchResult(
                    "postgres",
                    "load",
                    32,
                    1,
                    "store",
                    10,
                    1,
                    1,
                    1,
                    3,
                    0,
                    "StorageException: boom",
                    0,
                    0),
                new BenchResult(
                    "postgres",
                    "load",
                    32,
                    1,
                    "pgbench",
                    0,
                    0,
                    0,
                    0,
                    1,
                    0,
                    "pgbench failed",
                    0,
                    0)));
    assertThat(t)
        .contains("failed")
        .contains(
            "errors: store load 32 B, 1 threads (postgres): 3, first:" + " StorageException: boom");
  }
}
