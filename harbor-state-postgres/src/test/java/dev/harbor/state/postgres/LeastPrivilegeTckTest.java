package dev.harbor.state.postgres;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.tck.StateStoreTck;
import dev.harbor.state.testing.TestPostgres;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance kit as a least-privilege role (SPEC 9.4): the schema is migrated by its owner
 * (the test server's superuser, as {@code harbor-state migrate} would), and the store runs as a
 * role with only USAGE on the schema and DML on its tables, with {@code migrate=verify}.
 */
class LeastPrivilegeTckTest extends StateStoreTck {

  private static TestRole role;

  private final Map<StateStore, String> schemas = new ConcurrentHashMap<>();

  @BeforeAll
  static void createRole() {
    role = TestRole.create();
  }

  @AfterAll
  static void dropRole() {
    role.close();
  }

  /**
   * The options of both the migration and the store.
   *
   * @return {@code name=value} options
   */
  String[] options() {
    return new String[0];
  }

  @Override
  protected StateStore newStore() {
    String schema = TestPostgres.newSchemaName("harbor_test");
    try {
      role.migrateAndGrant(schema, options());
      String[] all = new String[options().length + 1];
      all[0] = "migrate=verify";
      System.arraycopy(options(), 0, all, 1, options().length);
      StateStore store =
          StateStores.open(StateConfig.parse(role.location(schema, all)).withClock(clock()));
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
