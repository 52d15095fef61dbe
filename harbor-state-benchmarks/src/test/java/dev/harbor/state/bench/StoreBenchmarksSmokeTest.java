package dev.harbor.state.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.harbor.state.cli.bench.BenchBackend;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Every JMH benchmark, every driver and baseline, once, briefly and in-process (no fork), so the
 * benchmarks never rot. It checks that each ran and scored, never how fast: timing is not a unit
 * test's business.
 */
class StoreBenchmarksSmokeTest {

  @BeforeAll
  static void postgresIsReachable() {
    try (BenchBackend probe = BenchBackend.open(BenchLocations.postgres())) {
      probe.driver();
    } catch (RuntimeException e) {
      fail(
          "PostgreSQL is not reachable at "
              + BenchLocations.postgres()
              + " (set HARBOR_BENCH_POSTGRES_URL or HARBOR_TEST_POSTGRES_URL): "
              + e.getMessage(),
          e);
    }
  }

  @Test
  void everyBenchmark_runsOnEveryDriverAndBaseline() throws RunnerException {
    Options options =
        new OptionsBuilder()
            .include(StoreBenchmarks.class.getName() + "\\.")
            .forks(0)
            .threads(2)
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(300))
            .param("slots", "1000")
            .timeUnit(TimeUnit.SECONDS)
            .verbosity(VerboseMode.SILENT)
            .shouldFailOnError(true)
            .build();
    Collection<RunResult> results = new Runner(options).run();
    assertThat(results).hasSize(3 * 3 * 2);
    Set<String> seen =
        results.stream()
            .map(
                r ->
                    r.getParams().getBenchmark().replaceAll(".*\\.", "")
                        + "/"
                        + r.getParams().getParam("driver")
                        + "/"
                        + r.getParams().getParam("target"))
            .collect(Collectors.toSet());
    assertThat(seen)
        .hasSize(18)
        .contains("save/postgres/baseline", "load/sqlite/store", "saveAll/inmem/baseline");
    for (RunResult r : results) {
      assertThat(r.getPrimaryResult().getScore()).as(r.getParams().toString()).isPositive();
    }
  }
}
