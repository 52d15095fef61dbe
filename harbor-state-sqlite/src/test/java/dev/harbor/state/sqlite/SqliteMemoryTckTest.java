package dev.harbor.state.sqlite;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.tck.StateStoreTck;

/** The conformance kit against {@code sqlite::memory:}, a new private database per store. */
class SqliteMemoryTckTest extends StateStoreTck {

  @Override
  protected StateStore newStore() {
    return StateStores.open(
        StateConfig.builder().driver("sqlite").location(":memory:").clock(clock()).build());
  }
}
