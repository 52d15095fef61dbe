package dev.harbor.state.inmem;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.tck.StateStoreTck;

/**
 * The conformance kit against {@code StateStores.open("inmem:")}: discovery, location parsing and
 * the driver.
 */
class RegistryInMemoryTckTest extends StateStoreTck {
  @Override
  protected StateStore newStore() {
    return StateStores.open(StateConfig.parse("inmem:").withClock(clock()));
  }
}
