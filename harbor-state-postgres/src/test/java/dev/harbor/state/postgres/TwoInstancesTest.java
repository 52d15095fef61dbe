package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Conditional writes serialize through the database, so they hold across two stores with two pools.
 */
class TwoInstancesTest extends DatabaseTest {

  @Test
  void saveIf_128CallersOnTwoStores_exactlyOneWinner() throws Exception {
    StateStore a = open("maxPoolSize=8");
    StateStore b = open("maxPoolSize=8");
    a.save(record("G0", "lease", "g0"));
    List<Throwable> errors =
        race(
            128,
            i ->
                (i % 2 == 0 ? a : b)
                    .saveIf(
                        List.of(SlotExpectation.exact(Q, "lease", EventId.of("G0"))),
                        record("G1-" + i, "lease", "g1")));
    assertThat(errors.stream().filter(e -> e == null)).hasSize(1);
    assertThat(errors.stream().filter(e -> e != null))
        .hasSize(127)
        .allMatch(e -> e instanceof ConditionFailedException, "is ConditionFailedException");
    assertThat(b.load(Q, "lease").id().value()).isEqualTo("G1-" + errors.indexOf(null));
  }

  @Test
  void saveIf_128AbsentExpectationsOnTwoStores_exactlyOneWinner() throws Exception {
    StateStore a = open("maxPoolSize=8");
    StateStore b = open("maxPoolSize=8");
    List<Throwable> errors =
        race(
            128,
            i ->
                (i % 2 == 0 ? a : b)
                    .saveIf(
                        List.of(SlotExpectation.absent(Q, "lease")),
                        record("A-" + i, "lease", "first")));
    assertThat(errors.stream().filter(e -> e == null)).hasSize(1);
    assertThat(errors.stream().filter(e -> e != null))
        .allMatch(e -> e instanceof ConditionFailedException, "is ConditionFailedException");
    assertThat(a.load(Q, "lease").id().value()).isEqualTo("A-" + errors.indexOf(null));
  }

  @Test
  void fenceIf_onOneStore_holdsBackSaveIfOnTheOther() throws Exception {
    StateStore a = open();
    StateStore b = open();
    a.save(record("G0", "lease", "g0"));
    CountDownLatch fenced = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> fence =
          pool.submit(
              () ->
                  a.fenceIf(
                      SlotExpectation.exact(Q, "lease", EventId.of("G0")),
                      () -> {
                        fenced.countDown();
                        await(release);
                      }));
      assertThat(fenced.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Void> write =
          CompletableFuture.runAsync(
              () ->
                  b.saveIf(
                      List.of(SlotExpectation.exact(Q, "lease", EventId.of("G0"))),
                      record("G1", "lease", "g1")),
              pool);
      assertThatThrownBy(() -> write.get(300, TimeUnit.MILLISECONDS))
          .isInstanceOf(TimeoutException.class);
      assertThat(b.load(Q, "lease").id().value()).isEqualTo("G0");
      release.countDown();
      fence.get(10, TimeUnit.SECONDS);
      write.get(10, TimeUnit.SECONDS);
      assertThat(a.load(Q, "lease").id().value()).isEqualTo("G1");
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void lockWait_isBoundedByOperationTimeout() throws Exception {
    StateStore a = open();
    StateStore b = open("operationTimeout=500ms");
    a.save(record("G0", "lease", "g0"));
    CountDownLatch fenced = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> fence =
          pool.submit(
              () ->
                  a.fenceIf(
                      SlotExpectation.exact(Q, "lease", EventId.of("G0")),
                      () -> {
                        fenced.countDown();
                        await(release);
                      }));
      assertThat(fenced.await(10, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> b.deleteIf(SlotExpectation.exact(Q, "lease", EventId.of("G0"))))
          .isInstanceOfSatisfying(
              StorageException.class, e -> assertThat(e.isTransient()).isTrue());
      release.countDown();
      fence.get(10, TimeUnit.SECONDS);
      assertThat(b.deleteIf(SlotExpectation.exact(Q, "lease", EventId.of("G0")))).isTrue();
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void saveIf_seesTheUnconditionalSaveOfTheOtherStore() {
    StateStore a = open();
    StateStore b = open();
    a.save(record("G0", "lease", "g0"));
    b.save(record("X", "lease", "x"));
    assertThatThrownBy(
            () ->
                a.saveIf(
                    List.of(SlotExpectation.exact(Q, "lease", EventId.of("G0"))),
                    record("G1", "lease", "g1")))
        .isInstanceOf(ConditionFailedException.class);
    StateRecord held = a.load(Q, "lease");
    assertThat(held.id().value()).isEqualTo("X");
  }

  static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  interface Task {
    void run(int i);
  }

  static List<Throwable> race(int threads, Task task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Throwable>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int n = i;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  try {
                    task.run(n);
                    return null;
                  } catch (RuntimeException e) {
                    return e;
                  }
                }));
      }
      start.countDown();
      List<Throwable> out = new ArrayList<>();
      for (Future<Throwable> f : futures) {
        out.add(f.get(120, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
