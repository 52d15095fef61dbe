package dev.harbor.state.postgres;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.tck.StateStoreTck;
import dev.harbor.state.testing.TestPostgres;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The conformance kit against PostgreSQL, each scenario in a schema of its own that is dropped
 * afterwards.
 */
class PostgresTckTest extends StateStoreTck {

  private final Map<StateStore, String> schemas = new ConcurrentHashMap<>();

  @Override
  protected StateStore newStore() {
    TestPostgres.ensureReachable();
    String schema = TestPostgres.newSchemaName("harbor_test");
    StateStore store =
        StateStores.open(StateConfig.parse(TestPostgres.location(schema)).withClock(clock()));
    schemas.put(store, schema);
    return store;
  }

  @Override
  protected void dispose(StateStore store) {
    String schema = schemas.remove(store);
    if (schema != null) {
      TestPostgres.dropSchema(schema);
    }
  }
}
