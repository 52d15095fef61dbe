package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The growth path: a SQLite store copied to PostgreSQL, with matching counts and digests. */
class CopyToPostgresTest {

  @TempDir Path dir;

  @Test
  void copy_sqliteToPostgres_matchesCountAndDigest_andIsIdempotent() {
    String source = "sqlite:" + dir.resolve("source.db");
    List<StateRecord> stored;
    try (StateStore store = StateStores.open(source)) {
      store.saveAll(Fixtures.records(30));
      stored = Fixtures.readBack(store, Fixtures.records(30));
    }
    try (ScratchLocation pg = TestPostgres.scratch()) {
      Cli.Result r =
          Cli.run("--store", source, "copy", "--to", pg.location(), "--batch-size", "64");
      assertThat(r.code()).as(r.toString()).isZero();
      List<String> lines = r.out().lines().toList();
      assertThat(lines).hasSize(3);
      assertThat(lines.get(0)).startsWith("source sqlite:").contains(": 150 records, sha256 ");
      assertThat(lines.get(1)).startsWith("target postgres://").contains(": 150 records, sha256 ");
      String digest = lines.get(0).substring(lines.get(0).lastIndexOf(' ') + 1);
      assertThat(digest).hasSize(64);
      assertThat(lines.get(1)).endsWith(digest);
      assertThat(lines.get(2)).startsWith("copy verified: 150 records");

      try (StateStore target = StateStores.open(pg.location())) {
        assertThat(Fixtures.readBack(target, stored)).containsExactlyElementsOf(stored);
      }

      Cli.Result again = Cli.run("copy", "--from", source, "--to", pg.location());
      assertThat(again.code()).as(again.toString()).isZero();
      assertThat(again.out()).contains(digest).contains("copy verified");

      // A target holding something else fails the check: exit 1, both sides printed.
      try (StateStore target = StateStores.open(pg.location())) {
        target.save(
            stored
                .get(0)
                .withBytes(new byte[] {1, 2, 3})
                .withId(dev.harbor.state.EventId.of("changed")));
      }
      try (StateStore src = StateStores.open(source)) {
        src.delete(stored.get(1).identity(), stored.get(1).kind());
      }
      Cli.Result differs = Cli.run("copy", "--from", source, "--to", pg.location());
      assertThat(differs.code()).as(differs.toString()).isEqualTo(1);
      assertThat(differs.stderr()).startsWith("harbor-state: copy check failed");
    }
  }
}
