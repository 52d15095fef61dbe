package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.fail;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;

/**
 * The test database: {@code HARBOR_TEST_POSTGRES_URL}, else {@code
 * postgres://root@127.0.0.1:5432/test}. Each test gets a fresh schema it drops afterwards. An
 * unreachable database fails the test; it is never skipped.
 */
final class Postgres implements AutoCloseable {

  static final String URL =
      System.getenv()
          .getOrDefault("HARBOR_TEST_POSTGRES_URL", "postgres://root@127.0.0.1:5432/test");

  private final CertifyTarget.Postgres admin = new CertifyTarget.Postgres(StateConfig.parse(URL));
  final String schema = admin.newResource();

  /** The location of this test's fresh schema. */
  String location() {
    return URL + (URL.contains("?") ? "&" : "?") + "schema=" + schema;
  }

  private Postgres() {}

  /**
   * A fresh schema, created by opening it once; fails loudly, naming the URL, if PostgreSQL cannot
   * be reached.
   */
  static Postgres fresh() {
    Postgres pg = new Postgres();
    try (StateStore s = StateStores.open(pg.location())) {
      s.driverName();
    } catch (RuntimeException e) {
      pg.close();
      fail(
          "PostgreSQL is not reachable at "
              + URL
              + " (set HARBOR_TEST_POSTGRES_URL): "
              + e.getMessage(),
          e);
    }
    return pg;
  }

  @Override
  public void close() {
    admin.remove(schema);
  }
}
