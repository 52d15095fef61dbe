package dev.harbor.state.postgres;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.tck.StateStoreTck;
import dev.harbor.state.testing.TestPostgres;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The conformance kit through PgBouncer in transaction pooling mode, with a plain location and no
 * option (issue 14). Before the store kept its settings transaction-local and its statements
 * unprepared, most scenarios failed here ("prepared statement "S_2" already exists").
 */
class PgBouncerTckTest extends StateStoreTck {

  private final Map<StateStore, String> schemas = new ConcurrentHashMap<>();

  @Override
  protected StateStore newStore() {
    String schema = TestPostgres.newSchemaName("harbor_test");
    StateStore store =
        StateStores.open(StateConfig.parse(Bouncers.location(schema)).withClock(clock()));
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
