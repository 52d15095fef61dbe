package dev.harbor.state.reliability;

import java.util.Map;

class PostgresConcurrentTest extends ConcurrentProperties {
  @Override
  StoreUnderTest driver() {
    return Drivers.postgres(Map.of());
  }
}
