package dev.harbor.state.reliability;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStores;

class InMemoryConcurrentTest extends ConcurrentProperties {
  @Override
  StoreUnderTest driver() {
    return clock -> StateStores.open(StateConfig.builder().driver("inmem").clock(clock).build());
  }
}
