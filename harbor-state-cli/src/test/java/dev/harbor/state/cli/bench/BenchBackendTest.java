package dev.harbor.state.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine through its public face, as the performance suite uses it: results for every run,
 * latencies from the histograms, and scratch locations that exist while it runs and are gone after.
 */
class BenchBackendTest {

  private static final BenchPlan SHORT =
      new BenchPlan(
          List.of("save", "load", "saveAll"),
          List.of(1, 2),
          List.of(32),
          50_000_000L,
          200_000_000L,
          1_000,
          true,
          false);

  @TempDir Path dir;

  @Test
  void run_reportsEveryTargetWithOrderedLatencies() throws Exception {
    List<String> steps = new ArrayList<>();
    List<BenchResult> results;
    try (BenchBackend backend = BenchBackend.open("inmem:")) {
      results = backend.run(SHORT, Map.of(), steps::add);
    }
    assertThat(results).hasSize(3 * 2 * 2);
    assertThat(results)
        .filteredOn(BenchResult::isStore)
        .hasSize(6)
        .allSatisfy(
            r -> {
              assertThat(r.driver()).isEqualTo("inmem");
              assertThat(r.errors()).isZero();
              assertThat(r.opsPerSecond()).isPositive();
              assertThat(r.p50()).isPositive().isLessThanOrEqualTo(r.p99());
              assertThat(r.p99()).isLessThanOrEqualTo(r.p999());
            });
    assertThat(results).filteredOn(r -> r.target().equals("map")).hasSize(6);
    assertThat(steps).first().asString().startsWith("[1/12] ");
    assertThat(steps).last().asString().startsWith("[12/12] ");
  }

  @Test
  void sqlite_worksInScratchDirectoriesBesideTheFile_andRemovesThem() throws Exception {
    try (BenchBackend backend = BenchBackend.open("sqlite:" + dir.resolve("user.db"))) {
      backend.storeTarget().save(0, "E1", new byte[8]);
      BenchTarget baseline = backend.baseline();
      baseline.save(0, "E1", new byte[8]);
      assertThat(baseline.load(0)).isEqualTo(8);
      assertThat(backend.settings()).contains("synchronous=FULL", "readers=4", dir.toString());
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .as("one for the store, one for the baseline")
            .hasSize(2)
            .allMatch(n -> n.matches("\\.harbor_bench_[0-9a-f]{16}"));
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).as("the user's file is never created; the scratch is removed").isEmpty();
    }
  }

  @Test
  void postgres_worksInSchemasOfItsOwn_andDropsThem() throws Exception {
    String schema;
    try (BenchBackend backend = BenchBackend.open(TestPostgres.url())) {
      backend.baseline().save(0, "E1", new byte[8]);
      Matcher m = Pattern.compile("schema (harbor_bench_[0-9a-f]{16})").matcher(backend.summary());
      assertThat(m.find()).as(backend.summary()).isTrue();
      schema = m.group(1);
      backend.storeTarget().save(0, "E1", new byte[8]);
      assertThat(TestPostgres.schemaExists(schema)).isTrue();
    }
    assertThat(TestPostgres.schemaExists(schema)).as("dropped at close").isFalse();
  }
}
