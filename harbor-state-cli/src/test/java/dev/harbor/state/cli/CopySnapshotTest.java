package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.MovingWriter;
import dev.harbor.state.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code copy} reads its source as one snapshot (issue 23, defect 9): with writers moving records
 * between slots and replacing a two-record generation while it runs, the target receives one
 * consistent state of the source and the check passes.
 *
 * <p>Steering: the target is a PostgreSQL schema whose records table the test holds in SHARE mode
 * from a connection of its own, so the copy's first {@code saveAll} (a batch of two: after it read
 * its first two pages) waits; the writers act on the source while it waits; then the lock goes.
 */
class CopySnapshotTest {

  @TempDir Path dir;

  private final String targetSchema = TestPostgres.newSchemaName("harbor_copy_snapshot");
  private final String target = TestPostgres.location(targetSchema, "operationTimeout=2m");

  @AfterEach
  void dropTarget() {
    TestPostgres.dropSchema(targetSchema);
  }

  @Test
  void copy_fromSqlite_withWritersWhileItRuns_copiesOneState() throws Exception {
    copiesOneState("sqlite:" + dir.resolve("source.db"));
  }

  @Test
  void copy_fromPostgres_withWritersWhileItRuns_copiesOneState() throws Exception {
    String schema = TestPostgres.newSchemaName("harbor_copy_source");
    try {
      copiesOneState(TestPostgres.location(schema));
    } finally {
      TestPostgres.dropSchema(schema);
    }
  }

  private void copiesOneState(String source) throws Exception {
    List<StateRecord> before;
    try (StateStore store = StateStores.open(source)) {
      before = MovingWriter.seed(store);
    }
    try (StateStore created = StateStores.open(target)) {
      created.driverName(); // the schema and its table exist before the lock is taken
    }
    CompletableFuture<Cli.Result> copy;
    try (Connection locker = TestPostgres.connect()) {
      locker.setAutoCommit(false);
      try (Statement s = locker.createStatement()) {
        s.execute("LOCK TABLE " + targetSchema + ".harbor_state_records IN SHARE MODE");
      }
      copy =
          CompletableFuture.supplyAsync(
              () -> Cli.run("copy", "--from", source, "--to", target, "--batch-size", "2"));
      awaitInsertWaitingForTheLock(locker, copy);
      MovingWriter.step(source);
      locker.rollback();
    }
    Cli.Result r = copy.get(2, TimeUnit.MINUTES);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("copy verified: 5 records");
    try (StateStore copied = StateStores.open(target)) {
      List<StateRecord> read = new java.util.ArrayList<>();
      RecordSource.of(copied, null, List.of()).forEach(read::add);
      MovingWriter.assertSnapshot(read, before);
    }
  }

  /** Waits until a backend's INSERT into the target's table waits for the test's lock. */
  private void awaitInsertWaitingForTheLock(Connection locker, CompletableFuture<Cli.Result> copy)
      throws SQLException, InterruptedException {
    String sql =
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            + " WHERE NOT l.granted AND l.relation = CAST(? AS regclass)"
            // The lock a write asks for (an INSERT's); not the statement's text, which
            // pg_stat_activity cuts at track_activity_query_size and a longer saveAll outgrew.
            + " AND l.mode = 'RowExclusiveLock'";
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    try (Connection watcher = TestPostgres.connect();
        PreparedStatement p = watcher.prepareStatement(sql)) {
      p.setString(1, targetSchema + ".harbor_state_records");
      while (true) {
        try (ResultSet rs = p.executeQuery()) {
          rs.next();
          if (rs.getInt(1) > 0) {
            return;
          }
        }
        if (copy.isDone()) {
          throw new AssertionError("copy ended before its first batch waited: " + copy.join());
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the copy's first batch never waited for the lock");
        }
        Thread.sleep(20);
      }
    }
  }
}
