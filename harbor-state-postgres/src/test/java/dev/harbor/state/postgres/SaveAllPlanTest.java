package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An import into an empty store must not read the whole table once per batch (a plan made while it
 * was empty).
 */
class SaveAllPlanTest extends DatabaseTest {

  @Test
  void batchesIntoAGrowingTable_useTheIndexes_notAScanPerBatch() throws Exception {
    StateStore store = open("maxPoolSize=1");
    int batches = 150;
    for (int b = 0; b < batches; b++) {
      List<StateRecord> batch = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        batch.add(
            StateRecord.of(
                EventId.of("b" + b + "-" + i),
                new Quadruple("t", "u" + b, "s", ""),
                "k" + i,
                new byte[] {1}));
      }
      store.saveAll(batch);
    }
    store.close(); // a backend's table statistics are flushed at the latest when it exits
    Thread.sleep(1500);
    long rowsReadBySequentialScans = sequentialTuplesRead();
    // A full scan per batch reads about batches^2 * 100 / 2 = 1,117,500 rows (measured before the
    // fix); index probes read none.
    assertThat(rowsReadBySequentialScans)
        .as("rows read by sequential scans for %d batches", batches)
        .isLessThan(100_000);
  }
}
