package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * A scratch location is a fresh schema: created, usable by the store and by plain JDBC, dropped.
 */
class PgScratchTest {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "");

  @Test
  void scratch_isAFreshSchema_usableByTheStoreAndJdbc_andDroppedOnClose() throws Exception {
    TestPostgres.ensureReachable();
    String schema;
    try (ScratchLocation scratch =
        StateStores.scratch(TestPostgres.url() + "?maxPoolSize=2", "test")) {
      StateConfig config = StateConfig.parse(scratch.location());
      schema = config.options().get("schema");
      assertThat(schema).matches("harbor_test_[0-9a-f]{16}");
      assertThat(config.options()).containsEntry("maxPoolSize", "2");
      assertThat(TestPostgres.schemaExists(schema)).as("created at once").isTrue();
      assertThat(scratch.describe()).contains("schema " + schema, "database");

      try (StateStore store = StateStores.open(scratch.location())) {
        store.save(StateRecord.of(EventId.of("E1"), Q, "k", "v".getBytes(StandardCharsets.UTF_8)));
      }
      // Plain JDBC lands in the scratch schema without naming it.
      try (Connection c =
              DriverManager.getConnection(
                  scratch.jdbcUrl().orElseThrow(), scratch.jdbcProperties());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT event_id FROM harbor_state_records")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("E1");
      }
    }
    assertThat(TestPostgres.schemaExists(schema)).as("dropped by close").isFalse();
  }

  @Test
  void closingTwice_isHarmless_andEachScratchIsItsOwnSchema() {
    ScratchLocation a = TestPostgres.scratch();
    try (ScratchLocation b = TestPostgres.scratch()) {
      assertThat(a.location()).isNotEqualTo(b.location());
    }
    a.close();
    a.close();
  }

  @Test
  void aBadOption_failsBeforeAnythingIsCreated() {
    assertThatThrownBy(() -> StateStores.scratch(TestPostgres.url() + "?maxPoolSize=0", "test"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("maxPoolSize");
    assertThatThrownBy(() -> StateStores.scratch(TestPostgres.url(), "Not-A-Label"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnreachableServer_isAStorageExceptionNamingHostAndDatabase_neverThePassword() {
    assertThatThrownBy(
            () ->
                StateStores.scratch(
                    "postgres://nobody:hunter2-secret@127.0.0.1:1/nothing?connectTimeout=1s",
                    "test"))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("127.0.0.1:1")
        .hasMessageContaining("nothing")
        .hasMessageNotContaining("hunter2-secret");
  }
}
