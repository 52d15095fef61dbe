package dev.harbor.state.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.testing.TestPostgres;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HarborStateMetricsTest {

  private static final Quadruple Q = new Quadruple("acme", "alice", "s1", "");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final HarborStateMetrics metrics = new HarborStateMetrics(registry);

  private static StateRecord rec(String id) {
    return StateRecord.of(EventId.of(id), Q, "note", new byte[] {1, 2, 3});
  }

  private Timer timer(String driver, String operation, String outcome) {
    return registry
        .get(HarborStateMetrics.CALLS)
        .tags("driver", driver, "operation", operation, "outcome", outcome)
        .timer();
  }

  @Test
  void everyCall_isTimedByOperationDriverAndOutcome() {
    try (StateStore store = metrics.bind(StateStores.open("inmem:"))) {
      store.save(rec("e1"));
      store.save(rec("e1")); // a replay: ok
      store.find(Q, "note");
      assertThatThrownBy(() -> store.load(Q, "absent")).isInstanceOf(RecordNotFoundException.class);
      assertThatThrownBy(
              () -> store.saveIf(java.util.List.of(SlotExpectation.absent(Q, "note")), rec("e2")))
          .isInstanceOf(dev.harbor.state.ConditionFailedException.class);
      store.fenceIf(SlotExpectation.exact(Q, "note", EventId.of("e1")), () -> sleep(20));
    }

    assertThat(timer("inmem", "save", "ok").count()).isEqualTo(2);
    assertThat(timer("inmem", "find", "ok").count()).isEqualTo(1);
    assertThat(timer("inmem", "load", "not_found").count()).isEqualTo(1);
    assertThat(timer("inmem", "saveIf", "condition_failed").count()).isEqualTo(1);
    Timer fence = timer("inmem", "fenceIf", "ok");
    assertThat(fence.count()).isEqualTo(1);
    assertThat(fence.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(20);
    assertThat(registry.find(HarborStateMetrics.CALLS).timers()).hasSize(5);
  }

  @Test
  void aStoreOpenedByLocation_withTheMetricsAsItsListener_isTimed_andCommonTagsApply() {
    HarborStateMetrics tagged = new HarborStateMetrics(registry, Tags.of("store", "main"));
    try (StateStore store = StateStores.open(StateConfig.parse("inmem:"), tagged)) {
      store.save(rec("e1"));
    }
    assertThat(
            registry
                .get(HarborStateMetrics.CALLS)
                .tags("store", "main", "driver", "inmem", "operation", "save", "outcome", "ok")
                .timer()
                .count())
        .isEqualTo(1);
  }

  @Test
  void groupCommits_recordTheirSize() {
    StoreContext context = new StoreContext("fake", 1024, Clock.systemUTC());
    context.addListener(metrics);
    context.groupCommitted(3);
    context.groupCommitted(5);
    DistributionSummary summary =
        registry.get(HarborStateMetrics.GROUP_COMMIT_WRITES).tags("driver", "fake").summary();
    assertThat(summary.count()).isEqualTo(2);
    assertThat(summary.totalAmount()).isEqualTo(8);
    assertThat(summary.max()).isEqualTo(5);
  }

  @Test
  void thePostgresGroupCommit_recordsEveryWriteInExactlyOneGroup() throws Exception {
    int threads = 8;
    int savesPerThread = 50;
    try (ScratchLocation scratch = TestPostgres.scratch("groupCommit=on");
        StateStore store = metrics.bind(StateStores.open(scratch.location()))) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          done.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < savesPerThread; i++) {
                      Quadruple q = new Quadruple("acme", "u" + thread, "s" + i, "");
                      store.save(StateRecord.of(EventId.newId(), q, "note", new byte[] {1}));
                    }
                  }));
        }
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
    }
    DistributionSummary summary =
        registry.get(HarborStateMetrics.GROUP_COMMIT_WRITES).tags("driver", "postgres").summary();
    assertThat(summary.totalAmount()).isEqualTo(threads * savesPerThread);
    assertThat(summary.count()).isBetween(1L, (long) threads * savesPerThread);
  }

  @Test
  void aStoreWithoutItsOwnPool_hasNoPoolGauges() {
    try (StateStore store = metrics.bind(StateStores.open("inmem:"))) {
      assertThat(registry.find(HarborStateMetrics.POOL_CONNECTIONS).gauges()).isEmpty();
      assertThat(store.driverName()).isEqualTo("inmem");
    }
  }

  @Test
  void thePostgresStoresOwnPool_isGauged() {
    try (ScratchLocation scratch = TestPostgres.scratch("maxPoolSize=3");
        StateStore store = metrics.bind(StateStores.open(scratch.location()))) {
      store.save(rec("e1"));
      String pool = registry.get(HarborStateMetrics.POOL_MAX).gauge().getId().getTag("pool");
      assertThat(pool).startsWith("harbor-state-postgres-");
      assertThat(registry.get(HarborStateMetrics.POOL_MAX).gauge().value()).isEqualTo(3);
      AtomicReference<Double> activeInsideAFence = new AtomicReference<>();
      store.fenceIf(
          SlotExpectation.exact(Q, "note", EventId.of("e1")),
          () ->
              activeInsideAFence.set(
                  registry
                      .get(HarborStateMetrics.POOL_CONNECTIONS)
                      .tags("pool", pool, "state", "active")
                      .gauge()
                      .value()));
      assertThat(activeInsideAFence.get())
          .as("the fence holds a connection")
          .isGreaterThanOrEqualTo(1);
      double idle =
          registry
              .get(HarborStateMetrics.POOL_CONNECTIONS)
              .tags("pool", pool, "state", "idle")
              .gauge()
              .value();
      assertThat(idle).isBetween(1.0, 3.0);
      assertThat(timer("postgres", "fenceIf", "ok").count()).isEqualTo(1);
    }
  }

  @Test
  void aStoreThatIsNotADriversStore_isRefused() {
    StateStore foreign =
        (StateStore)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {StateStore.class},
                (proxy, method, args) -> null);
    assertThatThrownBy(() -> metrics.bind(foreign)).isInstanceOf(IllegalArgumentException.class);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
