package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an overwrite writes, counted in WAL frames (PERFORMANCE.md, "Issue 27"): the row's leaf, and
 * the event-id and tenant-age indexes, whose keys move; never the slot-key or kind index, whose
 * columns an overwrite does not change. A count, not a timing: a schema change that puts another
 * B-tree on the save path, or widens one enough to split often, shows here.
 */
class SqliteWritePathTest {

  private static final int SLOTS = 2_000;
  private static final int SAVES = 200;

  private final Path dir = TestFiles.newDirectory("harbor-sqlite-write-path");
  private final Path file = dir.resolve("state.db");
  private final Path wal = dir.resolve("state.db-wal");

  @AfterEach
  void cleanUp() {
    TestFiles.deleteRecursively(dir);
  }

  private static StateRecord record(int slot, byte[] payload) {
    return StateRecord.of(
        EventId.newId(), new Quadruple("t1", "u1", "s" + slot, ""), "session.lifecycle", payload);
  }

  @Test
  void anOverwrite_writesTheRowAndTheIndexesWhoseKeysMove_only() throws Exception {
    Random random = new Random(7);
    byte[] payload = new byte[32];
    try (StateStore store = TestFiles.open(file)) {
      for (int first = 0; first < SLOTS; first += 500) {
        List<StateRecord> batch = new ArrayList<>();
        for (int i = first; i < first + 500; i++) {
          batch.add(record(i, payload));
        }
        store.saveAll(batch);
      }
      Map<String, Integer> frames;
      try (Connection holder = TestFiles.jdbc(file);
          Statement s = holder.createStatement()) {
        s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        s.execute("BEGIN");
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM harbor_state_records")) {
          assertThat(rs.next()).isTrue(); // a snapshot from before the saves: no checkpoint now
        }
        long before = Files.size(wal);
        for (int i = 0; i < SAVES; i++) {
          random.nextBytes(payload);
          store.save(record(random.nextInt(SLOTS), payload));
        }
        long after = Files.size(wal);
        s.execute("COMMIT");
        frames = PagesPerSaveMain.framesByBTree(file, wal, before, after);
      }
      assertThat(frames)
          .containsKeys(
              "harbor_state_records",
              "harbor_state_records_event_id",
              "harbor_state_records_tenant_age")
          .doesNotContainKeys(
              "sqlite_autoindex_harbor_state_records_1",
              "sqlite_autoindex_harbor_state_records_1 (interior)",
              "harbor_state_records_kind",
              "harbor_state_records_kind (interior)");
      assertThat(frames.get("harbor_state_records")).isEqualTo(SAVES); // one leaf, in place
      // Each moving key: the old entry's leaf and the right edge; 5.46 a save measured at 100,000
      // slots, where edges split a little more often than in this small store.
      int total = frames.values().stream().mapToInt(Integer::intValue).sum();
      assertThat(total)
          .as("WAL frames of %d lone overwrites: %s", SAVES, frames)
          .isLessThanOrEqualTo(6 * SAVES);
    }
  }
}
