package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** purge, erase-user and erase-tenant on the default SQLite store and on PostgreSQL. */
class RetentionCommandsTest {

  @TempDir Path dir;

  @Test
  void retentionCommands_onSqlite() {
    exercise("sqlite:" + dir.resolve("store.db"));
  }

  @Test
  void retentionCommands_onPostgres() {
    try (ScratchLocation pg = TestPostgres.scratch()) {
      exercise(pg.location());
    }
  }

  @Test
  void durations_takeTheOptionSyntaxAndDays() {
    assertThat(PurgeCommand.duration("30d")).isEqualTo(Duration.ofDays(30));
    assertThat(PurgeCommand.duration("12h")).isEqualTo(Duration.ofHours(12));
    assertThat(PurgeCommand.duration("90m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(PurgeCommand.duration("45s")).isEqualTo(Duration.ofSeconds(45));
    assertThat(PurgeCommand.duration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(PurgeCommand.duration("PT30M")).isEqualTo(Duration.ofMinutes(30));
    assertThat(PurgeCommand.duration("P2D")).isEqualTo(Duration.ofDays(2));
    for (String bad : List.of("", "30", "30 days", "-5d", "PT-1S", "d", "1y")) {
      Cli.Result r = Cli.run("--store", "inmem:", "purge", "--tenant", "t", "--older-than", bad);
      assertThat(r.code()).as("%s: %s", bad, r).isEqualTo(ExitCodes.USAGE);
      assertThat(r.stderr()).contains("--older-than");
    }
  }

  private static Cli.Result ok(Cli.Result r) {
    assertThat(r.code()).as(r.toString()).isZero();
    return r;
  }

  private static long count(Cli.Result r) {
    return Long.parseLong(ok(r).out().strip());
  }

  /** Seeds old and new records, then runs each command as a person would. */
  private static void exercise(String location) {
    Instant now = Instant.now();
    Instant old = now.minus(Duration.ofDays(40));
    List<StateRecord> seed = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      String user = "u" + (i % 3);
      Quadruple q = new Quadruple("acme", user, "s" + i, "");
      Instant at = i % 5 == 0 ? now.minus(Duration.ofDays(1)) : old.plusSeconds(i);
      seed.add(record("c" + i, q, "task.checkpoint", at));
      seed.add(record("n" + i, q, i % 2 == 0 ? "note" : "%note", old));
      seed.add(record("o" + i, new Quadruple("other", user, "s" + i, ""), "task.checkpoint", old));
    }
    try (StateStore store = StateStores.open(location)) {
      store.saveAll(seed);
    }
    String[] s = {"--store", location};
    String[] purge = {"purge", "--tenant", "acme", "--older-than", "30d", "--step", "7"};
    assertThat(count(Cli.run(join(s, purge, "--prefix", "task.", "--dry-run")))).isEqualTo(20);
    assertThat(count(Cli.run(join(s, purge, "--prefix", "task.")))).isEqualTo(20);
    assertThat(count(Cli.run(join(s, purge, "--prefix", "task.")))).isZero();
    assertThat(count(Cli.run(join(s, purge, "--dry-run")))).isEqualTo(25);
    assertThat(count(Cli.run(join(s, purge)))).as("every kind, '%%note' too").isEqualTo(25);
    try (StateStore store = StateStores.open(location)) {
      assertThat(store.scanKindForTenant(ListScope.MAINTENANCE, "acme", "task.", 256, "").records())
          .hasSize(5)
          .allSatisfy(r -> assertThat(r.updatedAt()).isAfter(old.plusSeconds(100)));
    }
    assertThat(count(Cli.run(join(s, "erase-user", "--tenant", "acme", "--user", "u0"))))
        .isEqualTo(2);
    Cli.Result refused = Cli.run(join(s, "erase-tenant", "--tenant", "acme"));
    assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(refused.stderr()).contains("--yes");
    assertThat(count(Cli.run(join(s, "erase-tenant", "--tenant", "acme", "--yes", "--step", "2"))))
        .isEqualTo(3);
    try (StateStore store = StateStores.open(location)) {
      assertThat(store.scanAll(ListScope.MAINTENANCE, 1000, "").records())
          .hasSize(25)
          .allSatisfy(r -> assertThat(r.identity().tenantId()).isEqualTo("other"));
    }
    Cli.Result noScope = Cli.run(join(s, "erase-user", "--tenant", "", "--user", "u1"));
    assertThat(noScope.code()).as(noScope.toString()).isEqualTo(ExitCodes.USAGE);
  }

  private static StateRecord record(String id, Quadruple q, String kind, Instant at) {
    return StateRecord.of(EventId.of(id), q, kind, new byte[] {1}).withUpdatedAt(at);
  }

  private static String[] join(String[] head, String[] middle, String... tail) {
    List<String> all = new ArrayList<>(List.of(head));
    all.addAll(List.of(middle));
    all.addAll(List.of(tail));
    return all.toArray(String[]::new);
  }

  private static String[] join(String[] head, String... tail) {
    return join(head, new String[0], tail);
  }
}
