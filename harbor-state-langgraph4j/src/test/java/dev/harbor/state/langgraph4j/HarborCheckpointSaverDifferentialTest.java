package dev.harbor.state.langgraph4j;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import org.junit.jupiter.api.Test;

/**
 * The saver against LangGraph4j's own {@code MemorySaver}: the same seeded random sequences of put,
 * replace, get, list and release, on hostile thread and checkpoint ids, give the same results
 * (single instance; a sequence now and then moves to a new saver on the same store).
 */
class HarborCheckpointSaverDifferentialTest {

  private static final int OPERATIONS = 30;

  @Test
  void inmem_1000SeededSequences_matchMemorySaver() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      sequences(store, 0, 1000);
    }
  }

  @Test
  void sqliteInMemory_matchesMemorySaver() throws Exception {
    try (StateStore store = StateStores.open("sqlite::memory:")) {
      sequences(store, 10_000, 150);
    }
  }

  @Test
  void postgres_matchesMemorySaver() throws Exception {
    try (ScratchLocation scratch = TestPostgres.scratch();
        StateStore store = StateStores.open(scratch.location())) {
      sequences(store, 20_000, 25);
    }
  }

  private static void sequences(StateStore store, long firstSeed, int count) throws Exception {
    for (long seed = firstSeed; seed < firstSeed + count; seed++) {
      // A tenant per sequence: each starts from an empty store, as its MemorySaver does.
      String tenant = "seq-" + seed;
      Differential.run(
          seed,
          OPERATIONS,
          () -> new HarborCheckpointSaver(store, tenant, Differential.SERIALIZER));
    }
  }
}
