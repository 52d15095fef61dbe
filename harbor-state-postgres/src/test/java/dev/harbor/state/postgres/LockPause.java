package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Pauses the writes of chosen records while their transaction holds its locks, so a test can count
 * the entries it holds in PostgreSQL's shared lock table (SPEC 9.3: at most 64 per call): row
 * triggers on the records table of a test's schema wait, for the rows a condition picks, for an
 * advisory key that the pause holds from its own connection.
 */
final class LockPause implements AutoCloseable {

  /** SPEC 9.3's bound on the shared lock table entries of one call. */
  static final int MAX_ENTRIES = 64;

  /** Random, as advisory keys are database-wide and other tests share the server. */
  private final long key = ThreadLocalRandom.current().nextLong(1, Integer.MAX_VALUE);

  private final Connection holder;

  /**
   * Installs the triggers, paused writes of rows whose {@code NEW} (written) or {@code OLD}
   * (deleted) row satisfies the condition, and holds the pause.
   *
   * @param schema the test's schema
   * @param condition a condition on a records row, as {@code ROW.tenant_id = 'x'}
   */
  LockPause(String schema, String condition) throws Exception {
    String table = "\"" + schema + "\".harbor_state_records";
    String function = "\"" + schema + "\".pause_" + key;
    try (Connection c = TestPostgres.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE FUNCTION "
              + function
              + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM"
              + " pg_advisory_xact_lock_shared("
              + key
              + "); RETURN COALESCE(NEW, OLD); END $$");
      for (String[] t : new String[][] {{"INSERT OR UPDATE", "NEW"}, {"DELETE", "OLD"}}) {
        s.execute(
            "CREATE TRIGGER pause_"
                + t[1]
                + "_"
                + key
                + " BEFORE "
                + t[0]
                + " ON "
                + table
                + " FOR EACH ROW WHEN ("
                + condition.replace("ROW.", t[1] + ".")
                + ") EXECUTE FUNCTION "
                + function
                + "()");
      }
    }
    holder = TestPostgres.connect();
    hold();
  }

  /** Pauses the writes again (they are paused from construction). */
  void hold() throws Exception {
    try (Statement s = holder.createStatement()) {
      s.execute("SELECT pg_advisory_lock(" + key + ")");
    }
  }

  /** Lets the paused writes go on. */
  void release() throws SQLException {
    try (Statement s = holder.createStatement()) {
      s.execute("SELECT pg_advisory_unlock_all()");
    }
  }

  /**
   * Waits until a write is paused, then asserts that its backend holds at most {@link #MAX_ENTRIES}
   * entries of the lock table (the wait for the pause counts as one).
   *
   * @param call the call that writes; fails the wait if it ends first
   */
  void assertPausedFootprint(Future<?> call) throws Exception {
    int pid = waitingPid(call);
    try (PreparedStatement p =
        holder.prepareStatement(
            "SELECT count(*), count(*) FILTER (WHERE locktype = 'advisory') FROM pg_locks WHERE"
                + " pid = ?")) {
      p.setInt(1, pid);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        assertThat(rs.getLong(1))
            .as("lock entries of the paused call (%d advisory)", rs.getLong(2))
            .isLessThanOrEqualTo(MAX_ENTRIES);
      }
    }
  }

  private int waitingPid(Future<?> call) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    try (PreparedStatement p =
        holder.prepareStatement(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0"
                + " AND objid = ? AND objsubid = 1 AND database = (SELECT oid FROM pg_database"
                + " WHERE datname = current_database())")) {
      p.setLong(1, key);
      while (true) {
        if (call.isDone()) {
          call.get(); // its failure, if it failed
          throw new AssertionError("the call ended without pausing");
        }
        try (ResultSet rs = p.executeQuery()) {
          if (rs.next()) {
            return rs.getInt(1);
          }
        }
        assertThat(System.nanoTime()).as("the call pauses in time").isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }

  /** Releases the pause and closes its connection (the triggers go with the schema). */
  @Override
  public void close() throws SQLException {
    try {
      release();
    } finally {
      holder.close();
    }
  }
}
