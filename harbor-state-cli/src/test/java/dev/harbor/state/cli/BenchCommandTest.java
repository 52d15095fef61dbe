package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.testing.TestPostgres;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short run of every workload on every driver (about 5 s each), so the bench never rots. It
 * checks the shape of the report, never the figures: timing is not a unit test's business.
 */
class BenchCommandTest {

  private static final String BENCH_SCHEMA = "^harbor_bench_[0-9a-f]{16}$";

  private static final String[] SHORT = {
    "--seconds", "0.5", "--warmup", "0.1", "--threads", "2", "--payload", "32", "--slots", "1000"
  };

  @TempDir Path dir;

  private static Cli.Result bench(String location, String... more) {
    String[] args =
        Stream.of(new String[] {"bench", "--store", location}, SHORT, more)
            .flatMap(Stream::of)
            .toArray(String[]::new);
    return Cli.run(new byte[0], Map.of(), args);
  }

  private static void assertEveryWorkloadReported(Cli.Result r, String baseline) {
    assertThat(r.code()).as(r.toString()).isZero();
    String out = r.out();
    assertThat(out)
        .contains("workload", "ops/s", "p50", "p99", "p99.9", baseline + " ops/s", "ratio");
    for (String w : List.of("save", "load", "saveAll", "saveIf", "mixed")) {
      assertThat(out).as(w).containsPattern("(?m)^" + w + " +32 B +2 +[0-9,.]+ ");
    }
    assertThat(out)
        .containsPattern(
            "saveIf 32 B, 2 threads: [0-9,.]+ swaps/s, [0-9,]+ lost races"
                + " \\(ConditionFailedException, expected\\), 0 other errors");
    assertThat(out).doesNotContain("errors:");
  }

  @Test
  void inmem_runsEveryWorkloadBesideTheBareMap() {
    assertEveryWorkloadReported(bench("inmem:"), "map");
  }

  @Test
  void sqlite_runsEveryWorkloadBesideTheBareJdbcLoop_andLeavesNoFileBehind() throws Exception {
    Path db = dir.resolve("user.db");
    Cli.Result r = bench("sqlite:" + db, "--csv", dir.resolve("out.csv").toString());
    assertEveryWorkloadReported(r, "sqlite-jdbc");
    assertThat(r.out()).contains("synchronous=FULL");
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("only the CSV; the user's file is never created")
          .containsExactly("out.csv");
    }
    List<String> csv = Files.readAllLines(dir.resolve("out.csv"), StandardCharsets.UTF_8);
    assertThat(csv.get(0))
        .isEqualTo(
            "driver,workload,payload,threads,target,ops_per_s,p50_ns,p99_ns,p999_ns,errors,conflicts,"
                + "first_error,group_mean,group_p99");
    assertThat(csv).hasSize(1 + 5 + 3);
    assertThat(csv.get(1)).startsWith("sqlite,save,32,2,store,");
    assertThat(csv.get(2)).startsWith("sqlite,save,32,2,sqlite-jdbc,");
  }

  @Test
  void postgres_runsEveryWorkloadBesideJdbcAndPgbench_inSchemasItDrops() throws Exception {
    Set<String> before = TestPostgres.schemas(BENCH_SCHEMA);
    Cli.Result r = bench(TestPostgres.url());
    assertEveryWorkloadReported(r, "jdbc");
    assertThat(r.out()).contains("synchronous_commit=", "maxPoolSize=", "schema harbor_bench_");
    boolean pgbench =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "pgbench")));
    if (pgbench) {
      assertThat(r.out()).contains("pgbench ops/s");
    }
    assertThat(TestPostgres.leftBehind(BENCH_SCHEMA, before))
        .as("bench schemas left behind")
        .isEmpty();
  }

  @Test
  void postgres_chat_runsSpringAiMemoryOverBothRepositories_countsLosses_andDropsItsSchemas() {
    Set<String> before = TestPostgres.schemas(BENCH_SCHEMA);
    Cli.Result r =
        Cli.run(
            new byte[0],
            Map.of(),
            "bench",
            "--store",
            TestPostgres.url(),
            "--workloads",
            "chat",
            "--seconds",
            "0.4",
            "--warmup",
            "0.1",
            "--threads",
            "2",
            "--conversations",
            "3",
            "--payload",
            "32");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("chat: Spring AI MessageWindowChatMemory (window 20)", "appends/s", "lost")
        .doesNotContain("errors:")
        .as("no store workload ran")
        .doesNotContainPattern("(?m)^save ");
    // target, payload, threads, conversations, appends/s, p50, p99, p99.9, errors, acked, due,
    // lost,
    // duplicates
    String row =
        " +32 B +2 +3 +[0-9,.]+ +[0-9.]+ [µm]s +[0-9.]+ [µm]s +[0-9.]+ [µm]s +0 +[1-9][0-9]* +[1-9][0-9]* +";
    assertThat(r.out())
        .as("our repository: acknowledged adds, checked, none lost")
        .containsPattern("(?m)^harbor" + row + "0 +0 +[0-9.]+$")
        .as("the peer ran and was counted (its losses are measured, not asserted)")
        .containsPattern("(?m)^spring-ai-jdbc" + row + "[0-9]+ +[0-9]+$");
    assertThat(TestPostgres.leftBehind(BENCH_SCHEMA, before))
        .as("bench schemas left behind")
        .isEmpty();
  }

  @Test
  void chat_onADriverOtherThanPostgres_isAUsageError_beforeAnyRun() {
    Cli.Result r = Cli.run("bench", "--store", "inmem:", "--workloads", "save,chat");
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr()).contains("PostgreSQL");
    assertThat(r.out()).doesNotContain("ops/s");
    assertThat(Cli.run("bench", "--store", "inmem:", "--conversations", "0").code()).isEqualTo(2);
  }

  @Test
  void badInput_isAUsageError() {
    assertThat(Cli.run("bench", "--store", "inmem:", "--workloads", "save,nope").code())
        .isEqualTo(2);
    assertThat(Cli.run("bench", "--store", "inmem:", "--threads", "0").code()).isEqualTo(2);
    assertThat(Cli.run("bench", "--store", "inmem:", "--seconds", "0").code()).isEqualTo(2);
    Cli.Result r = Cli.run("bench", "--store", "inmem:", "--slots", "10");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.stderr()).contains("--slots");
  }

  @Test
  void anUnreachableDatabase_isStorageUnavailable() {
    Cli.Result r =
        Cli.run("bench", "--store", "postgres://nobody@127.0.0.1:1/nothing?connectTimeout=1s");
    assertThat(r.code()).as(r.toString()).isEqualTo(5);
    assertThat(r.stderr()).contains("127.0.0.1:1").doesNotContain("\tat ");
  }
}
