package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Pool exhaustion is bounded by operationTimeout, and a store survives the loss of all its
 * connections.
 */
class PoolAndReconnectTest extends DatabaseTest {

  @Test
  void exhaustedPool_callersWaitAtMostOperationTimeout_thenTransientFailure() throws Exception {
    StateStore store = open("maxPoolSize=1", "operationTimeout=500ms");
    store.save(record("G0", "lease", "g0"));
    CountDownLatch fenced = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> fence =
          pool.submit(
              () ->
                  store.fenceIf(
                      SlotExpectation.exact(Q, "lease", EventId.of("G0")),
                      () -> {
                        fenced.countDown();
                        TwoInstancesTest.await(release);
                      }));
      assertThat(fenced.await(10, TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime();
      assertThatThrownBy(() -> store.find(Q, "lease"))
          .isInstanceOfSatisfying(
              StorageException.class, e -> assertThat(e.isTransient()).isTrue());
      assertThatThrownBy(() -> store.save(record("G1", "other", "x")))
          .isInstanceOfSatisfying(
              StorageException.class, e -> assertThat(e.isTransient()).isTrue());
      // Never a hang: both calls gave up (generously bounded to stay robust on a loaded machine).
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(20);
      release.countDown();
      fence.get(10, TimeUnit.SECONDS);
      assertThat(store.find(Q, "lease")).isPresent();
      assertThat(store.find(Q, "other")).isEmpty();
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void terminatedConnections_nextCallsSucceedWithoutReopening() throws Exception {
    String app =
        "harbor-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    StateStore store = open("maxPoolSize=4", "applicationName=" + app);
    // Several connections in the pool, all recently used.
    List<Throwable> errors =
        TwoInstancesTest.race(8, i -> store.save(record("E" + i, "k" + i, "v")));
    assertThat(errors).containsOnlyNulls();
    for (int round = 0; round < 3; round++) {
      assertThat(terminate(app)).isPositive();
      assertThat(store.find(Q, "k0")).isPresent();
      store.save(record("R" + round, "k0", "after-" + round));
      assertThat(store.loadByEventId(EventId.of("R" + round)).bytes())
          .asString()
          .isEqualTo("after-" + round);
      assertThat(terminate(app)).isPositive();
      store.saveIf(
          List.of(SlotExpectation.exact(Q, "k0", EventId.of("R" + round))),
          record("S" + round, "k0", "cas-" + round));
      assertThat(terminate(app)).isPositive();
      assertThat(store.deleteScope(Q.identity())).isEqualTo(8);
      List<StateRecord> batch = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        batch.add(record("B" + round + "-" + i, "k" + i, "v"));
      }
      assertThat(terminate(app)).isPositive();
      store.saveAll(batch);
    }
  }

  /** Terminates every backend of the store; returns how many. */
  private static int terminate(String applicationName) throws Exception {
    try (Connection c = TestPostgres.connect();
        PreparedStatement p =
            c.prepareStatement(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?")) {
      p.setString(1, applicationName);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
