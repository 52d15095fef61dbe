package dev.harbor.state.reliability;

import java.util.Map;

class InMemoryConcurrentTest extends ConcurrentProperties {
  @Override
  StoreUnderTest driver() {
    return Drivers.inmem(Map.of());
  }
}
