package dev.harbor.state.postgres;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.tck.StateStoreTck;
import dev.harbor.state.testing.TestPgBouncer;
import dev.harbor.state.testing.TestPostgres;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance kit with {@code rowSecurity=on}, as the least-privilege role, through PgBouncer
 * in transaction pooling mode (SPEC 9.4): each transaction's tenants travel with it to whichever
 * server connection the pooler picks, and none is left on a server connection for the next client.
 */
class PgBouncerRowSecurityTckTest extends StateStoreTck {

  private static TestRole role;
  private static TestPgBouncer bouncer;

  private final Map<StateStore, String> schemas = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    role = TestRole.create();
    bouncer = TestPgBouncer.start("transaction", List.of(role.name()));
  }

  @AfterAll
  static void stop() {
    bouncer.close();
    role.close();
  }

  @Override
  protected StateStore newStore() {
    String schema = TestPostgres.newSchemaName("harbor_test");
    try {
      role.migrateAndGrant(schema, "rowSecurity=on");
      StateStore store =
          StateStores.open(
              StateConfig.parse(
                      bouncer.locationAs(
                          role.name(), "schema=" + schema, "migrate=verify", "rowSecurity=on"))
                  .withClock(clock()));
      schemas.put(store, schema);
      return store;
    } catch (RuntimeException | Error e) {
      TestPostgres.dropSchema(schema);
      throw e;
    }
  }

  @Override
  protected void dispose(StateStore store) {
    String schema = schemas.remove(store);
    if (schema != null) {
      TestPostgres.dropSchema(schema);
    }
  }
}
