package dev.harbor.state.postgres;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.tck.StateStoreTck;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The conformance kit against PostgreSQL, each scenario in a schema of its own that is dropped afterwards. */
class PostgresTckTest extends StateStoreTck {

  private final Map<StateStore, String> schemas = new ConcurrentHashMap<>();

  @Override
  protected StateStore newStore() {
    TestDatabase.ensureReachable();
    String schema = TestDatabase.newSchemaName();
    StateStore store = StateStores.open(StateConfig.parse(TestDatabase.location(schema)).withClock(clock()));
    schemas.put(store, schema);
    return store;
  }

  @Override
  protected void dispose(StateStore store) {
    String schema = schemas.remove(store);
    if (schema != null) {
      TestDatabase.dropSchema(schema);
    }
  }
}
