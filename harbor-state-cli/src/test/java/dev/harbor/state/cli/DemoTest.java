package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {

  @TempDir Path dir;

  @Test
  void demo_runsOnSqlite_andCanBeRunAgain() {
    String store = "sqlite:" + dir.resolve("harbor-state.db");
    Cli.Result first = Cli.run("--store", store, "demo");
    assertThat(first.code()).as(first.toString()).isZero();
    List<String> lines = first.out().lines().toList();
    assertThat(lines.get(0)).startsWith("harbor-state demo on sqlite:").contains("(driver sqlite)");
    assertThat(first.out())
        .contains(" 1. two tenants:", "finds nothing")
        .contains(
            " 2. retried write:",
            "the retry was a no-op",
            "refused with IdempotencyConflictException")
        .contains(
            " 3. conditional-update race: 8 writers", "1 won", "7 got ConditionFailedException")
        .contains(" 4. fenced action:", "ran 1 time(s)", "was refused and did not run")
        .contains(" 5. session erasure:", "removed 5 records", "is untouched")
        .contains(
            " 6. maintenance scan:", "is refused", "6 task.* records came back in 2 keyset pages")
        .contains("The data lives in " + dir.resolve("harbor-state.db").toAbsolutePath())
        .doesNotContain("unexpected", "CHANGED", "SOMETHING", "WAS TOUCHED");

    Cli.Result second = Cli.run("--store", store, "demo");
    assertThat(second.code()).as(second.toString()).isZero();
    assertThat(second.out())
        .contains("cleared 7 records of an earlier run")
        .contains("1 won", "removed 5 records");
  }

  @Test
  void demo_runsOnInmem() {
    Cli.Result r = Cli.run("--store", "inmem:", "demo");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("gone now");
  }
}
