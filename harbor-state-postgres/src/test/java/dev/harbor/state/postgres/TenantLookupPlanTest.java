package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tenant-scoped lookup by event id (SPEC 9.2) is one probe of the event id's unique index with
 * the tenant as a filter on the row it finds: the same plan for the caller's own id, another
 * tenant's live id and an id that is not live, also beside a tenant that holds most of the table
 * (where the primary key's leading tenant_id would tempt a planner).
 */
class TenantLookupPlanTest extends DatabaseTest {

  @Test
  void scopedLookup_probesTheEventIdIndex_andFiltersByTenant() throws Exception {
    StateStore store = open();
    List<StateRecord> big = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      big.add(
          StateRecord.of(
              EventId.of("big-" + i),
              new Quadruple("big", "u" + (i % 50), "s" + i, ""),
              "k",
              "v".getBytes(StandardCharsets.UTF_8)));
      if (big.size() == 1_000) {
        store.saveAll(big);
        big.clear();
      }
    }
    store.save(
        StateRecord.of(
            EventId.of("small-1"),
            new Quadruple("small", "u", "s", ""),
            "k",
            "v".getBytes(StandardCharsets.UTF_8)));
    PgSql sql = new PgSql(PgSettings.quote(schema));
    try (Connection c = TestPostgres.connect()) {
      try (Statement s = c.createStatement()) {
        s.execute("ANALYZE " + sql.table);
      }
      for (String[] lookup :
          new String[][] {
            {"big-17", "big"}, {"big-17", "small"}, {"small-1", "big"}, {"nowhere", "big"}
          }) {
        String plan = plan(c, sql.findByEventIdOfTenant, lookup[0], lookup[1]);
        assertThat(plan)
            .as("plan of the lookup of %s in tenant %s", lookup[0], lookup[1])
            .contains("Index Scan using " + PgSql.EVENT_ID_CONSTRAINT)
            .contains("Index Cond: (event_id = ")
            .contains("Filter: (tenant_id = ")
            .doesNotContain("Seq Scan")
            .doesNotContain("harbor_state_records_pkey")
            .doesNotContain("harbor_state_records_tenant_age");
      }
    }
    assertThat(store.findByEventId("small", EventId.of("big-17"))).isEmpty();
    assertThat(store.findByEventId("big", EventId.of("big-17"))).isPresent();
  }

  private static String plan(Connection c, String select, String eventId, String tenant)
      throws Exception {
    StringBuilder out = new StringBuilder();
    try (PreparedStatement p = c.prepareStatement("EXPLAIN " + select)) {
      p.setString(1, eventId);
      p.setString(2, tenant);
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.append(rs.getString(1)).append('\n');
        }
      }
    }
    return out.toString();
  }
}
