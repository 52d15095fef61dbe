package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.sql.MigrationPlan.Migration;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Retention's storage on PostgreSQL: migration V0002 upgrades a schema of the first version in
 * place, and purge steps read the tenant-age index instead of scanning the table.
 */
class PgRetentionTest extends DatabaseTest {

  private static final Instant OLD = Instant.parse("2020-01-01T00:00:00Z");
  private static final Instant NEW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Instant CUTOFF = Instant.parse("2025-01-01T00:00:00Z");

  @Test
  void upgradeFromTheFirstSchema_addsTheIndexInPlace_keepsEveryRecord_andPurges() throws Exception {
    Migration first = PgMigrations.PLAN.migrations().get(0);
    String quoted = "\"" + schema + "\"";
    TestPostgres.execute(
        "CREATE SCHEMA " + quoted,
        "CREATE TABLE "
            + quoted
            + ".harbor_state_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            + " checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        first.sql().replace("${schema}", quoted),
        "INSERT INTO "
            + quoted
            + ".harbor_state_migrations (version, name, checksum) VALUES (1, '"
            + first.name()
            + "', '"
            + first.checksum()
            + "')",
        "INSERT INTO "
            + quoted
            + ".harbor_state_records VALUES"
            + " ('t', 'u', 's', '', 'k.old', 'e-old', 0, '\\x01', '2020-01-01T00:00:00Z'),"
            + " ('t', 'u', 's', '', 'k.new', 'e-new', 0, '\\x02', '2030-01-01T00:00:00Z')");
    assertThat(indexes()).doesNotContain("harbor_state_records_tenant_age");
    StateStore store = open();
    assertThat(store.scanAll(ListScope.MAINTENANCE, 10, "").records()).hasSize(2);
    assertThat(store.purge(ListScope.MAINTENANCE, "t", "k", CUTOFF, 10)).isEqualTo(1);
    assertThat(store.scanAll(ListScope.MAINTENANCE, 10, "").records())
        .extracting(r -> r.id().value())
        .containsExactly("e-new");
    assertThat(indexes()).contains("harbor_state_records_tenant_age");
  }

  @Test
  void purgeSteps_readTheTenantAgeIndex_notAScanOfTheTable() throws Exception {
    StateStore store = open("maxPoolSize=1");
    int perTenant = 10_000;
    for (String tenant : List.of("t", "other")) {
      for (int b = 0; b < perTenant / 1000; b++) {
        List<StateRecord> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          int n = b * 1000 + i;
          batch.add(
              StateRecord.of(
                      EventId.of(tenant + "-" + n),
                      new Quadruple(tenant, "u" + (n % 50), "s" + n, ""),
                      n % 2 == 0 ? "k.a" : "k.b",
                      new byte[] {1})
                  .withUpdatedAt(n % 4 < 2 ? OLD.plusSeconds(n) : NEW));
        }
        store.saveAll(batch);
      }
    }
    long before = seqReadsAfterClosing(store);
    store = open("maxPoolSize=1");
    int purged = 0;
    for (int n; (n = store.purge(ListScope.MAINTENANCE, "t", "k.a", CUTOFF, 250)) > 0; ) {
      purged += n;
    }
    assertThat(purged).isEqualTo(perTenant / 4);
    long read = seqReadsAfterClosing(store) - before;
    // One scan of the table reads 20,000 rows; a scan per step, 21 times that.
    assertThat(read).as("rows read by sequential scans for %d purge steps", 21).isLessThan(2_000);
  }

  private long seqReadsAfterClosing(StateStore store) throws Exception {
    store.close(); // a backend's table statistics are flushed at the latest when it exits
    Thread.sleep(1500);
    return sequentialTuplesRead();
  }

  private List<String> indexes() throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = TestPostgres.connect();
        PreparedStatement p =
            c.prepareStatement("SELECT indexname FROM pg_indexes WHERE schemaname = ?")) {
      p.setString(1, schema);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }
}
