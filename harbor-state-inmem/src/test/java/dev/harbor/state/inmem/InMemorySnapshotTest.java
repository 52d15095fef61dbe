package dev.harbor.state.inmem;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.SnapshotScenarios;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Snapshots of the in-memory store: a copy of its slot index (issue 23, defect 9). */
class InMemorySnapshotTest implements SnapshotScenarios {

  private StateStore store;

  @BeforeEach
  void open() {
    store =
        StateStores.open(
            StateConfig.builder()
                .driver("inmem")
                .options(Map.of("operationTimeout", operationTimeout().toMillis() + "ms"))
                .build());
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
