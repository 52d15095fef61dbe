package dev.harbor.state.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.StateStore;
import dev.harbor.state.tck.StateStoreTck;
import dev.harbor.state.testing.TestPostgres;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The conformance kit over an application's pool whose connections default to {@code
 * autoCommit=false}, as Spring and Hibernate pools often do. Before the store set the mode each
 * operation needs, writes returned normally and were rolled back when the pool took its connection
 * back (issue 10, defect 2): every read-after-write scenario failed here.
 */
class BorrowedManualCommitPoolTckTest extends StateStoreTck {

  private final Map<StateStore, HikariDataSource> pools = new ConcurrentHashMap<>();
  private final Map<StateStore, String> schemas = new ConcurrentHashMap<>();

  /**
   * A pool of the test database whose connections start in manual-commit mode.
   *
   * @param maxSize the pool's size
   * @return the pool; the caller closes it
   */
  static HikariDataSource manualCommitPool(int maxSize) {
    HikariConfig hc = TestServer.poolConfig(maxSize);
    hc.setAutoCommit(false);
    return new HikariDataSource(hc);
  }

  @Override
  protected StateStore newStore() {
    TestPostgres.ensureReachable();
    String schema = TestPostgres.newSchemaName("harbor_test");
    HikariDataSource pool = manualCommitPool(8);
    StateStore store = PostgresStateStore.open(pool, Map.of("schema", schema), clock());
    pools.put(store, pool);
    schemas.put(store, schema);
    return store;
  }

  @Override
  protected void dispose(StateStore store) {
    HikariDataSource pool = pools.remove(store);
    if (pool != null) {
      pool.close();
    }
    String schema = schemas.remove(store);
    if (schema != null) {
      TestPostgres.dropSchema(schema);
    }
  }
}
