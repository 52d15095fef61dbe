package dev.harbor.state.reliability;

import java.util.Map;

class SqliteConcurrentTest extends ConcurrentProperties {
  @Override
  StoreUnderTest driver() {
    return Drivers.sqlite(Map.of());
  }
}
