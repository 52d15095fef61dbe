package dev.harbor.state.reliability;

import java.util.Map;

class SqliteHostileInputTest extends HostileInputProperties {
  @Override
  StoreUnderTest driver() {
    return Drivers.sqlite(Map.of("maxPayloadBytes", "65536"));
  }
}
