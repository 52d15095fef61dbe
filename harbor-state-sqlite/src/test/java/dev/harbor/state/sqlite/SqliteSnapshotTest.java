package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreSnapshot;
import dev.harbor.state.testing.MovingWriter;
import dev.harbor.state.testing.SnapshotScenarios;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Snapshots of a SQLite file store: one read transaction on a connection of the snapshot's own
 * (issue 23, defect 9). Beyond the shared scenarios: the snapshot takes no connection of the read
 * pool, and its read transaction (which holds back WAL checkpoints) ends when the view or the store
 * closes.
 */
class SqliteSnapshotTest implements SnapshotScenarios {

  private Path dir;
  private Path file;
  private StateStore store;

  @BeforeEach
  void open() {
    dir = TestFiles.newDirectory("harbor-snapshot");
    file = dir.resolve("s.db");
    store =
        StateStores.open(
            "sqlite:"
                + file
                + "?readers=1&operationTimeout="
                + operationTimeout().toMillis()
                + "ms");
  }

  @AfterEach
  void close() {
    store.close();
    TestFiles.deleteRecursively(dir);
  }

  @Override
  public StateStore store() {
    return store;
  }

  @Override
  public Duration operationTimeout() {
    return Duration.ofSeconds(1);
  }

  @Test
  void snapshot_takesNoConnectionOfTheReadPool() {
    MovingWriter.seed(store);
    try (StoreSnapshot snapshot = StoreCore.snapshot(store)) {
      snapshot.scanAll(ListScope.MAINTENANCE, 1, "");
      // readers=1: were the snapshot on the pool's one reader, this would time out.
      assertThat(store.find(new Quadruple("a", "u", "s", ""), "k1")).isPresent();
    }
  }

  @Test
  void snapshot_holdsBackCheckpointsUntilTheViewOrTheStoreCloses() throws SQLException {
    MovingWriter.seed(store);
    StoreSnapshot snapshot = StoreCore.snapshot(store);
    snapshot.scanAll(ListScope.MAINTENANCE, 1, "");
    MovingWriter.step(store);
    assertThat(checkpointCompletes()).as("a reader holds an older state").isFalse();
    snapshot.close();
    assertThat(checkpointCompletes()).as("after the view closed").isTrue();

    StoreSnapshot open = StoreCore.snapshot(store);
    open.scanAll(ListScope.MAINTENANCE, 1, "");
    store.save(StateRecord.of(EventId.of("later"), new Quadruple("b", "u", "s", ""), "k", null));
    assertThat(checkpointCompletes()).isFalse();
    store.close();
    assertThat(checkpointCompletes()).as("after the store closed").isTrue();
    open.close();
  }

  /** Whether a full checkpoint could copy the whole WAL back (no reader holds an older state). */
  private boolean checkpointCompletes() throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      rs.next();
      return rs.getInt(1) == 0 && rs.getInt(2) == rs.getInt(3);
    }
  }
}
