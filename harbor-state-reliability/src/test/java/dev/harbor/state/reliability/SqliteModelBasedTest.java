package dev.harbor.state.reliability;

import java.util.Map;

class SqliteModelBasedTest extends ModelBasedProperties {
  @Override
  StoreUnderTest driver() {
    return Drivers.sqlite(Map.of());
  }
}
