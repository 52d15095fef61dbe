package dev.harbor.state.reliability;

import java.util.Map;

class PostgresHostileInputTest extends HostileInputProperties {
  @Override
  StoreUnderTest driver() {
    return Drivers.postgres(Map.of("maxPayloadBytes", "65536"));
  }
}
