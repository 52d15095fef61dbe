package dev.harbor.state.reliability;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStores;

class InMemoryHostileInputTest extends HostileInputProperties {
  @Override
  StoreUnderTest driver() {
    return clock -> StateStores.open(
        StateConfig.builder().driver("inmem").option("maxPayloadBytes", "65536").clock(clock).build());
  }
}
