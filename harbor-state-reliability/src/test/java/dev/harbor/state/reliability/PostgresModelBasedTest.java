package dev.harbor.state.reliability;

import java.util.Map;

class PostgresModelBasedTest extends ModelBasedProperties {
  @Override
  StoreUnderTest driver() {
    return Drivers.postgres(Map.of());
  }
}
