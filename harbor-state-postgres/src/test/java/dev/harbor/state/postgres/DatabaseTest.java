package dev.harbor.state.postgres;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test against the database, in a fresh schema of its own that is dropped afterwards with every
 * store closed.
 */
abstract class DatabaseTest {

  static final Quadruple Q = new Quadruple("tenant", "user", "session", "run");

  /** This test's schema. */
  String schema;

  private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

  @BeforeEach
  final void createSchemaName() {
    TestPostgres.ensureReachable();
    schema = TestPostgres.newSchemaName("harbor_test");
  }

  @AfterEach
  final void closeAndDrop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    TestPostgres.dropSchema(schema);
  }

  /** Opens a store on this test's schema with extra options; closed after the test. */
  StateStore open(String... options) {
    return track(StateStores.open(StateConfig.parse(location(options))));
  }

  /**
   * The location of this test's schema with extra options: the test server itself, unless a
   * subclass puts a pooler in between (the PgBouncer variants of the concurrency tests).
   */
  String location(String... options) {
    return TestPostgres.location(schema, options);
  }

  <T extends AutoCloseable> T track(T resource) {
    resources.add(resource);
    return resource;
  }

  static StateRecord record(String eventId, String kind, String bytes) {
    return StateRecord.of(EventId.of(eventId), Q, kind, bytes.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The rows sequential scans have read from this schema's records table so far, as the statistics
   * views report them once flushed (close the stores first).
   */
  long sequentialTuplesRead() throws Exception {
    try (Connection c = TestPostgres.connect()) {
      // Statistics reach the view asynchronously: flush this backend's and read the table's totals.
      try (PreparedStatement p =
          c.prepareStatement(
              "SELECT coalesce(seq_tup_read, 0) FROM pg_stat_user_tables WHERE schemaname = ? AND relname = ?")) {
        p.setString(1, schema);
        p.setString(2, "harbor_state_records");
        for (int attempt = 0; ; attempt++) {
          try (ResultSet rs = p.executeQuery()) {
            if (rs.next() || attempt > 20) {
              return rs.getRow() == 0 ? 0 : rs.getLong(1);
            }
          }
          Thread.sleep(100);
        }
      }
    }
  }
}
