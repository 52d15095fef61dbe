package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.ListScope;
import dev.harbor.state.StateStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Retention's storage on SQLite: migration V0002 upgrades a store of today's schema in place, and a
 * purge step reads the tenant-age index as one range in its own order: no table scan, no sort.
 */
class SqliteRetentionTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2031-02-03T04:05:06.789Z"), ZoneOffset.UTC);

  private final Path dir = TestFiles.newDirectory("harbor-sqlite-retention");
  private final Path file = dir.resolve("state.db");

  @AfterEach
  void cleanUp() {
    TestFiles.deleteRecursively(dir);
  }

  @Test
  void upgradeFromTheFirstSchema_addsTheIndexInPlace_keepsEveryRecord_andPurges() throws Exception {
    try (Connection c = TestFiles.jdbc(file)) {
      SqliteMigrations first =
          new SqliteMigrations(
              SqliteMigrations.class,
              SqliteMigrations.DIRECTORY,
              SqliteMigrations.SHIPPED.subList(0, 1),
              "test.db");
      assertThat(first.apply(c, CLOCK)).isEqualTo(1);
      try (Statement s = c.createStatement()) {
        // Two records written by a store of today's schema: one old, one new.
        s.execute(
            "INSERT INTO harbor_state_records VALUES"
                + " ('t', 'u', 's', '', 'k.old', 'e-old', 0, x'01', 1000000),"
                + " ('t', 'u', 's', '', 'k.new', 'e-new', 0, x'02', 9000000000000000)");
      }
      assertThat(indexes(c)).doesNotContain("harbor_state_records_tenant_age");
    }
    try (StateStore store = TestFiles.open(file)) {
      assertThat(store.scanAll(ListScope.MAINTENANCE, 10, "").records()).hasSize(2);
      assertThat(
              store.purge(
                  ListScope.MAINTENANCE, "t", "k", Instant.parse("2000-01-01T00:00:00Z"), 10))
          .isEqualTo(1);
      assertThat(store.scanAll(ListScope.MAINTENANCE, 10, "").records())
          .extracting(r -> r.id().value())
          .containsExactly("e-new");
    }
    try (Connection c = TestFiles.jdbc(file)) {
      assertThat(indexes(c)).contains("harbor_state_records_tenant_age");
      assertThat(ledgerNames(c)).containsExactlyElementsOf(SqliteMigrations.SHIPPED);
    }
  }

  @Test
  void purgeStep_readsTheTenantAgeIndexInOrder_withoutScanOrSort() throws Exception {
    TestFiles.open(file).close();
    try (Connection c = TestFiles.jdbc(file)) {
      for (String upper : new String[] {"l", null}) {
        String plan = TestFiles.queryPlan(c, SqliteStore.purgeSql(upper));
        assertThat(plan)
            .as("plan of %s", SqliteStore.purgeSql(upper))
            .contains(
                "USING COVERING INDEX harbor_state_records_tenant_age (tenant_id=? AND updated_at<?)")
            .doesNotContain("TEMP B-TREE")
            .doesNotContainPattern("SCAN harbor_state_records(?! USING)");
      }
    }
  }

  private static List<String> indexes(Connection c) throws SQLException {
    return names(c, "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name");
  }

  private static List<String> ledgerNames(Connection c) throws SQLException {
    return names(c, "SELECT name FROM harbor_state_migrations ORDER BY version");
  }

  private static List<String> names(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
