package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.ListScope;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreSnapshot;
import dev.harbor.state.testing.BackgroundCall;
import dev.harbor.state.testing.MovingWriter;
import dev.harbor.state.testing.SnapshotScenarios;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Snapshots of a PostgreSQL store: one {@code REPEATABLE READ READ ONLY} transaction on one pooled
 * connection (issue 23, defect 9). Beyond the shared scenarios: over a borrowed pool whose
 * connections default to {@code autoCommit=false}, the snapshot's connection goes back as it was
 * lent, on the view's close and on the store's.
 */
class PgSnapshotTest extends DatabaseTest implements SnapshotScenarios {

  private StateStore store;

  @BeforeEach
  void openStore() {
    store = open("operationTimeout=" + operationTimeout().toMillis() + "ms");
  }

  @Override
  public StateStore store() {
    return store;
  }

  @Override
  public Duration operationTimeout() {
    return Duration.ofSeconds(1);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS) // a hang guard; nothing here is timed
  void openingASnapshot_interruptedWhileWaitingForTheOnlyConnection_isCancelled() throws Exception {
    HikariDataSource pool = track(BorrowedManualCommitPoolTckTest.manualCommitPool(1));
    StateStore borrowed = PostgresStateStore.open(pool, Map.of("schema", schema));
    try (StoreSnapshot held = StoreCore.snapshot(borrowed)) {
      BackgroundCall waiting = BackgroundCall.start(() -> StoreCore.snapshot(borrowed).close());
      BackgroundCall.awaitUntil(
          () -> pool.getHikariPoolMXBean().getThreadsAwaitingConnection() == 1);
      waiting.interrupt();
      waiting.join();
      assertThat(waiting.failure()).isInstanceOf(OperationCancelledException.class);
      assertThat(waiting.endedInterrupted()).isTrue();
      assertThat(held.scanAll(ListScope.MAINTENANCE, 1, "").records()).isEmpty();
    }
    borrowed.close();
  }

  @Test
  void borrowedPool_getsTheSnapshotsConnectionBackAsLent_onTheViewsCloseAndTheStores()
      throws Exception {
    HikariDataSource pool = track(BorrowedManualCommitPoolTckTest.manualCommitPool(2));
    StateStore borrowed = PostgresStateStore.open(pool, Map.of("schema", schema));
    MovingWriter.seed(borrowed);
    try (StoreSnapshot snapshot = StoreCore.snapshot(borrowed)) {
      assertThat(snapshot.scanAll(ListScope.MAINTENANCE, 1, "").records()).hasSize(1);
      assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isEqualTo(1);
    }
    assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();

    StoreSnapshot open = StoreCore.snapshot(borrowed);
    open.scanAll(ListScope.MAINTENANCE, 1, "");
    borrowed.close();
    assertThat(pool.getHikariPoolMXBean().getActiveConnections())
        .as("the store's close released the view's connection")
        .isZero();
    try (Connection c = pool.getConnection()) {
      assertThat(c.getAutoCommit()).as("the pool's own mode, restored").isFalse();
    }
  }
}
