package dev.harbor.state.crypto;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.TestPostgres;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The conformance kit on PostgreSQL, wrapped; each scenario in a schema of its own, dropped. */
class PostgresWrappedTckTest extends WrappedTck {

  private final Map<StateStore, String> schemas = new ConcurrentHashMap<>();
  private final ThreadLocal<String> opening = new ThreadLocal<>();

  @Override
  protected StateStore newInner() {
    TestPostgres.ensureReachable();
    String schema = TestPostgres.newSchemaName("harbor_crypto");
    opening.set(schema);
    return StateStores.open(
        TestKeys.withRoomForEnvelope(
            StateConfig.parse(TestPostgres.location(schema)).withClock(clock())));
  }

  @Override
  protected StateStore wrapped(StateStore store) {
    String schema = opening.get();
    opening.remove();
    if (schema != null) {
      schemas.put(store, schema);
    }
    return store;
  }

  @Override
  protected void disposeInner(StateStore wrapped) {
    String schema = schemas.remove(wrapped);
    if (schema != null) {
      TestPostgres.dropSchema(schema);
    }
  }
}
