package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tenant-scoped lookup by event id (SPEC 9.2) is one search of the event id's unique index, the
 * tenant checked on the row it finds: never a scan, never the primary key's tenant range.
 */
class SqliteTenantLookupPlanTest {

  private final Path dir = TestFiles.newDirectory("harbor-sqlite-lookup-plan");
  private final Path file = dir.resolve("state.db");

  @AfterEach
  void cleanUp() {
    TestFiles.deleteRecursively(dir);
  }

  @Test
  void scopedLookup_searchesTheEventIdIndex() throws Exception {
    TestFiles.open(file).close();
    try (Connection c = TestFiles.jdbc(file)) {
      String plan = TestFiles.queryPlan(c, SqliteStore.FIND_BY_EVENT_OF_TENANT);
      assertThat(plan)
          .as("plan of %s", SqliteStore.FIND_BY_EVENT_OF_TENANT)
          .contains(
              "SEARCH harbor_state_records USING INDEX harbor_state_records_event_id (event_id=?)")
          .doesNotContain("SCAN")
          .doesNotContain("PRIMARY KEY");
    }
  }
}
