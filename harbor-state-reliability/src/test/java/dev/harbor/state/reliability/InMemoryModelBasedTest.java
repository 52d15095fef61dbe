package dev.harbor.state.reliability;

import java.util.Map;

class InMemoryModelBasedTest extends ModelBasedProperties {
  @Override
  StoreUnderTest driver() {
    return Drivers.inmem(Map.of());
  }
}
