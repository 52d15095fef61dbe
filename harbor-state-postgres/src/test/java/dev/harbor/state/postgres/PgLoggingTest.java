package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.EventId;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StorePool;
import dev.harbor.state.testing.LogCapture;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * What the PostgreSQL driver logs: its open (driver, redacted location, schema, schema version) and
 * the migrations it applies at INFO; a slow call, and retries that ran out, at WARN; each retry at
 * DEBUG. Never a payload and never the password.
 */
class PgLoggingTest extends DatabaseTest {

  private static final String PAYLOAD = "payload-that-must-never-be-logged-91c2";

  @Test
  void open_migrations_andSlowCalls_areLogged_withoutPayloadOrPassword() {
    String base = TestPostgres.location(schema, "slowOperation=5ms");
    String password = PgLocation.parse(base.split("\\?")[0]).password();
    String secret =
        password != null
            ? password
            : "pw-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    // The test server trusts its user, so a password it never checks still opens the store.
    String location =
        password != null ? base : base.replaceFirst("://([^:@/]+)@", "://$1:" + secret + "@");
    assertThat(location).contains(secret);

    try (LogCapture log = new LogCapture()) {
      StateStore store = track(StateStores.open(StateConfig.parse(location)));
      store.save(record("E1", "note", PAYLOAD));
      store.fenceIf(SlotExpectation.exact(Q, "note", EventId.of("E1")), () -> sleep(50));
      assertThat(store.load(Q, "note").bytes()).isNotEmpty();

      assertThat(log.lines(Level.INFO))
          .anySatisfy(l -> assertThat(l).contains("applied migration V0001__init").contains(schema))
          .anySatisfy(
              l ->
                  assertThat(l)
                      .contains("opened the postgres store at")
                      .contains(schema)
                      .contains("schema version " + PgMigrations.PLAN.latestVersion()));
      assertThat(log.lines(Level.WARN))
          .anySatisfy(l -> assertThat(l).contains("slow call: fenceIf"));
      assertThat(log.lines())
          .isNotEmpty()
          .noneMatch(l -> l.contains(secret))
          .noneMatch(l -> l.contains(PAYLOAD));
    }
  }

  @Test
  void theStoresOwnPool_isPublishedForGauges() {
    StateStore store = open();
    StorePool pool = StoreCore.pool(store).orElseThrow();
    assertThat(pool.name()).startsWith("harbor-state-postgres-");
    assertThat(pool.max()).isEqualTo(10);
    assertThat(pool.active() + pool.idle()).isPositive();
    assertThat(pool.pending()).isZero();
  }

  @Test
  void eachRetry_isLoggedAtDebug_andRetriesThatRunOut_atWarn() {
    HikariDataSource pool = track(BorrowedManualCommitPoolTckTest.manualCommitPool(2));
    AtomicBoolean broken = new AtomicBoolean();
    ForwardingDataSource flaky =
        new ForwardingDataSource(pool) {
          @Override
          public Connection getConnection() throws SQLException {
            if (broken.get()) {
              throw new SQLException("connection refused (test)", "08001");
            }
            return super.getConnection();
          }
        };
    StateStore store = track(PostgresStateStore.open(flaky, Map.of("schema", schema)));
    assertThat(StoreCore.pool(store)).as("a borrowed pool is the application's").isEmpty();

    try (LogCapture log = new LogCapture()) {
      broken.set(true);
      assertThatThrownBy(() -> store.find(Q, "note")).isInstanceOf(StorageException.class);

      assertThat(log.lines(Level.DEBUG))
          .filteredOn(l -> l.startsWith("retrying "))
          .hasSize(7)
          .allSatisfy(l -> assertThat(l).contains("SQLSTATE 08001"));
      assertThat(log.lines(Level.WARN))
          .anySatisfy(l -> assertThat(l).startsWith("giving up on ").contains("after 8 attempts"));
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
