package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.EventId;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A pool whose connections default to {@code autoCommit=false}: what the store wrote is committed,
 * the pool's connections come back in the mode they were lent in, and operationTimeout holds.
 */
class BorrowedManualCommitPoolTest extends DatabaseTest {

  private StateStore open(HikariDataSource pool, String operationTimeout) {
    return track(
        PostgresStateStore.open(
            pool, Map.of("schema", schema, "operationTimeout", operationTimeout)));
  }

  private int rowsSeenByAnotherConnection() throws Exception {
    try (Connection c = TestPostgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM \"" + schema + "\".harbor_state_records")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void everyWriteThatReturned_isCommitted_andConnectionsComeBackInManualCommitMode()
      throws Exception {
    HikariDataSource pool = track(BorrowedManualCommitPoolTckTest.manualCommitPool(1));
    StateStore store = open(pool, "30s");
    store.save(record("E1", "a", "v"));
    store.saveAll(List.of(record("E2", "b", "v"), record("E3", "c", "v")));
    store.saveIf(List.of(SlotExpectation.absent(Q, "d")), record("E4", "d", "v"));
    assertThat(rowsSeenByAnotherConnection()).isEqualTo(4);
    store.delete(Q, "a");
    assertThat(store.deleteIf(SlotExpectation.exact(Q, "b", EventId.of("E2")))).isTrue();
    assertThat(rowsSeenByAnotherConnection()).isEqualTo(2);
    assertThat(store.deleteScope(Q.identity())).isEqualTo(2);
    assertThat(rowsSeenByAnotherConnection()).isZero();
    try (Connection c = pool.getConnection()) {
      assertThat(c.getAutoCommit()).as("the pool's own mode, restored").isFalse();
    }
  }

  @Test
  void operationTimeout_boundsALockWait_onAManualCommitPool() throws Exception {
    HikariDataSource pool = track(BorrowedManualCommitPoolTckTest.manualCommitPool(2));
    StateStore store = open(pool, "1s");
    store.save(record("G0", "lease", "g0"));
    try (Connection holder = TestPostgres.connect()) {
      holder.setAutoCommit(false);
      try (Statement s = holder.createStatement()) {
        // Another session holds the slot's row: the conditional write must give up at the timeout.
        s.execute(
            "SELECT 1 FROM \""
                + schema
                + "\".harbor_state_records WHERE kind = 'lease' FOR UPDATE");
      }
      try {
        // Bounded by the 1 s timeout, not by the holder (generous, for a loaded machine); without
        // the session's lock_timeout the call would wait for the holder forever.
        assertTimeoutPreemptively(
            Duration.ofSeconds(15),
            () ->
                assertThatThrownBy(
                        () ->
                            store.saveIf(
                                List.of(SlotExpectation.exact(Q, "lease", EventId.of("G0"))),
                                record("G1", "lease", "g1")))
                    .isInstanceOfSatisfying(
                        StorageException.class, e -> assertThat(e.isTransient()).isTrue()));
      } finally {
        holder.rollback();
      }
    }
    assertThat(store.load(Q, "lease").id().value()).isEqualTo("G0");
  }
}
