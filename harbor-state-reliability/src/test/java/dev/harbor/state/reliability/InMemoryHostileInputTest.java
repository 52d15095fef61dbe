package dev.harbor.state.reliability;

import java.util.Map;

class InMemoryHostileInputTest extends HostileInputProperties {
  @Override
  StoreUnderTest driver() {
    return Drivers.inmem(Map.of("maxPayloadBytes", "65536"));
  }
}
