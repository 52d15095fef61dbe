package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.sql.MigrationPlan.Applied;
import dev.harbor.state.sql.MigrationPlan.Migration;
import dev.harbor.state.testing.TestPostgres;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link PgMigrations}: concurrent first opens, the ledger's checks, and migrate=verify. */
class PgMigrationsTest extends DatabaseTest {

  @Test
  void sixteenThreadsAndThreeProcesses_openAnEmptySchemaAtOnce_eachMigrationRecordedOnce()
      throws Exception {
    String location = TestPostgres.location(schema, "maxPoolSize=2");
    long startAt = System.currentTimeMillis() + 1500; // JVM start-up takes about that long
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      processes.add(
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  MigrationRaceMain.class.getName(),
                  location,
                  Long.toString(startAt))
              .redirectErrorStream(true)
              .start());
    }
    List<Throwable> errors =
        TwoInstancesTest.race(
            16,
            i -> {
              while (System.currentTimeMillis() < startAt) {
                Thread.onSpinWait();
              }
              open("maxPoolSize=2").driverName();
            });
    assertThat(errors).containsOnlyNulls();
    for (Process p : processes) {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("OK");
    }
    assertThat(ledger())
        .containsExactly(
            "1 V0001__init.sql", "2 V0002__purge_index.sql", "3 V0003__tenant_policy.sql");
  }

  @Test
  void reopen_keepsRecords() {
    try (StateStore first = open()) {
      first.save(record("E1", "k", "durable"));
    }
    assertThat(open().loadByEventId(EventId.of("E1")).bytes()).asString().isEqualTo("durable");
    assertThat(ledger())
        .containsExactly(
            "1 V0001__init.sql", "2 V0002__purge_index.sql", "3 V0003__tenant_policy.sql");
  }

  @Test
  void editedAppliedMigration_stopsTheOpen() {
    open().close();
    TestPostgres.execute(
        "UPDATE \"" + schema + "\".harbor_state_migrations SET checksum = 'abc' WHERE version = 1");
    assertThatThrownBy(this::open)
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isFalse())
        .hasMessageContaining("V0001__init.sql")
        .hasMessageContaining("must never be edited");
  }

  @Test
  void unknownAppliedMigration_stopsTheOpen() {
    open().close();
    TestPostgres.execute(
        "INSERT INTO \""
            + schema
            + "\".harbor_state_migrations (version, name, checksum)"
            + " VALUES ("
            + (PgMigrations.INDEX.size() + 1)
            + ", 'V9999__future.sql', 'f')");
    assertThatThrownBy(this::open)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("V9999__future.sql")
        .hasMessageContaining("does not know");
  }

  @Test
  void verify_onAnEmptyDatabase_failsAndRunsNoDdl() throws Exception {
    assertThatThrownBy(() -> open("migrate=verify"))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("migrate=apply");
    try (Connection c = TestPostgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'")) {
      rs.next();
      assertThat(rs.getInt(1)).as("schema created by verify").isZero();
    }
  }

  @Test
  void verify_onAnOutOfDateSchema_failsAndRunsNoDdl() {
    TestPostgres.execute(
        "CREATE SCHEMA \"" + schema + "\"",
        "CREATE TABLE \""
            + schema
            + "\".harbor_state_migrations"
            + " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL"
            + " DEFAULT now())");
    assertThatThrownBy(() -> open("migrate=verify"))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("not current")
        .hasMessageContaining("V0001__init.sql");
    assertThat(ledger()).isEmpty();
  }

  @Test
  void verify_onACurrentSchema_opens() {
    open().close();
    StateStore verified = open("migrate=verify");
    verified.save(record("E1", "k", "v"));
    assertThat(verified.load(Q, "k").id().value()).isEqualTo("E1");
  }

  /**
   * A migration that builds an index over a large table takes as long as the build takes; bounding
   * it by operationTimeout, as every call is, would make such a store impossible to open (issue 23:
   * each open would time out and roll the migration back). The store is taken back to schema
   * version 1 and filled until the build of version 2's index outlasts the operationTimeout.
   */
  @Test
  void aMigrationThatOutlastsOperationTimeout_completes() {
    open().close();
    String table = "\"" + schema + "\".harbor_state_records";
    TestPostgres.execute(
        "DROP INDEX \"" + schema + "\".harbor_state_records_tenant_age",
        // Back to version 1: V0003 is applied again after V0002.
        "DROP POLICY harbor_state_tenant_rows ON " + table,
        "DELETE FROM \"" + schema + "\".harbor_state_migrations WHERE version >= 2",
        "INSERT INTO "
            + table
            + " SELECT 't' || (i % 97), 'u' || i, 's', '', 'k', 'E' || i, 0, '\\x00'::bytea,"
            + " now() - i * interval '1 second' FROM generate_series(1, 400000) AS i");

    StateStore store = open("operationTimeout=100ms");

    assertThat(ledger())
        .containsExactly(
            "1 V0001__init.sql", "2 V0002__purge_index.sql", "3 V0003__tenant_policy.sql");
    assertThat(store.find(new dev.harbor.state.Quadruple("t1", "u1", "s", ""), "k")).isPresent();
  }

  @Test
  void ledgerChecks_areOrderAndChecksumStrict() {
    List<Migration> known = PgMigrations.PLAN.migrations();
    assertThat(PgMigrations.pending("s", List.of())).isEqualTo(known);
    Migration m = known.get(0);
    assertThat(PgMigrations.pending("s", List.of(new Applied(1, m.name(), m.checksum()))))
        .isEqualTo(known.subList(1, known.size()));
    assertThatThrownBy(
            () -> PgMigrations.pending("s", List.of(new Applied(2, "V0002__x.sql", "c"))))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("missing migration V0001__init.sql");
  }

  private List<String> ledger() {
    List<String> rows = new ArrayList<>();
    try (Connection c = TestPostgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT version, name FROM \""
                    + schema
                    + "\".harbor_state_migrations ORDER BY version")) {
      while (rs.next()) {
        rows.add(rs.getInt(1) + " " + rs.getString(2));
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return rows;
  }
}
