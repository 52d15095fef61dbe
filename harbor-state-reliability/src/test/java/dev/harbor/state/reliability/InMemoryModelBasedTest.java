package dev.harbor.state.reliability;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStores;

class InMemoryModelBasedTest extends ModelBasedProperties {
  @Override
  StoreUnderTest driver() {
    return clock -> StateStores.open(StateConfig.builder().driver("inmem").clock(clock).build());
  }
}
