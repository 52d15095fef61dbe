package dev.harbor.state.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * With no location, the store over the application's PostgreSQL DataSource lives where the
 * application's own tables do: the schema its connections use (pgjdbc's currentSchema).
 */
class HarborStateDataSourceSchemaTest {

  private static final Quadruple Q = new Quadruple("acme", "alice", "s1", "");

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(HarborStateAutoConfiguration.class));

  private final List<String> schemas = new ArrayList<>();

  @AfterEach
  void dropSchemas() {
    schemas.forEach(TestPostgres::dropSchema);
  }

  private String newSchema() {
    String schema = TestPostgres.newSchemaName("harbor_starter_current");
    schemas.add(schema);
    return schema;
  }

  private static int records(String schema) throws Exception {
    try (Connection c = TestPostgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM \"" + schema + "\".harbor_state_records")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private void saveThroughTheStarter(DataSource pool, String... properties) {
    runner
        .withBean("dataSource", DataSource.class, () -> pool, bd -> bd.setDestroyMethodName(""))
        .withPropertyValues(properties)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              StateStore store = context.getBean(StateStore.class);
              assertThat(store.driverName()).isEqualTo("postgres");
              store.save(
                  StateRecord.of(
                      EventId.of("e1"), Q, "note", "hi".getBytes(StandardCharsets.UTF_8)));
            });
  }

  @Test
  void theDataSourcesCurrentSchema_isTheStoresSchema_evenBeforeItExists() throws Exception {
    String schema = newSchema();
    HikariDataSource pool = TestPools.postgresPool(true, "currentSchema=" + schema);
    try (pool) {
      saveThroughTheStarter(pool);
    }
    assertThat(records(schema)).isEqualTo(1);
  }

  @Test
  void theDataSourcesCurrentSchema_thatExists_isTheStoresSchema() throws Exception {
    String schema = newSchema();
    TestPostgres.execute("CREATE SCHEMA \"" + schema + "\"");
    HikariDataSource pool = TestPools.postgresPool(false, "currentSchema=" + schema);
    try (pool) {
      saveThroughTheStarter(pool);
    }
    assertThat(records(schema)).isEqualTo(1);
  }

  @Test
  void anExplicitSchemaOption_winsOverTheCurrentSchema() throws Exception {
    String current = newSchema();
    String explicit = newSchema();
    HikariDataSource pool = TestPools.postgresPool(true, "currentSchema=" + current);
    try (pool) {
      saveThroughTheStarter(pool, "harbor.state.options.schema=" + explicit);
    }
    assertThat(records(explicit)).isEqualTo(1);
    assertThat(TestPostgres.schemaExists(current)).isFalse();
  }

  @Test
  void aBadOption_overTheDataSource_failsTheStart_sayingTheDataSourceWasUsed() {
    HikariDataSource pool = TestPools.postgresPool(true, "");
    try (pool) {
      runner
          .withBean("dataSource", DataSource.class, () -> pool, bd -> bd.setDestroyMethodName(""))
          .withPropertyValues("harbor.state.options.operation-timeout=soon")
          .run(
              context -> {
                assertThat(context).hasFailed();
                assertThat(TestPools.messages(context.getStartupFailure()))
                    .contains("PostgreSQL DataSource")
                    .contains("operationTimeout");
              });
    }
  }

  @Test
  void searchPathNames_areReadAsPostgreSQLWritesThem() {
    assertThat(StoreFactory.splitSearchPath("\"$user\", public"))
        .containsExactly("$user", "public");
    assertThat(StoreFactory.splitSearchPath("\"My \"\"x\"\", y\",b"))
        .containsExactly("My \"x\", y", "b");
    assertThat(StoreFactory.splitSearchPath("")).isEmpty();
  }
}
