package dev.harbor.state.sqlite;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.SnapshotScenarios;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Snapshots of an in-memory SQLite store: a copy into a private temporary file (issue 23, defect
 * 9).
 */
class SqliteMemorySnapshotTest implements SnapshotScenarios {

  private StateStore store;

  @BeforeEach
  void open() {
    store =
        StateStores.open(
            "sqlite::memory:?operationTimeout=" + operationTimeout().toMillis() + "ms");
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Override
  public StateStore store() {
    return store;
  }

  @Override
  public Duration operationTimeout() {
    return Duration.ofSeconds(1);
  }
}
