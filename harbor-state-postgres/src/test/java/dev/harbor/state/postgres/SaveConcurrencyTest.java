package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * CONTRACT.md 4.2 on PostgreSQL: the single-statement save never surfaces contention, whatever 64
 * callers do at once.
 */
class SaveConcurrencyTest extends DatabaseTest {

  private static final int THREADS = 64;

  @Test
  void save_64ThreadsOneEventIdOneContent_allSucceed() throws Exception {
    StateStore store = open("maxPoolSize=16");
    StateRecord r = record("E1", "k", "same");
    List<Throwable> errors = race(i -> () -> store.save(r));
    assertThat(errors).containsOnlyNulls();
    assertThat(store.load(Q, "k")).satisfies(s -> assertThat(s.sameContent(r)).isTrue());
  }

  @Test
  void save_64ThreadsOneEventIdDifferentContents_exactlyOneStored() throws Exception {
    StateStore store = open("maxPoolSize=16");
    List<Throwable> errors = race(i -> () -> store.save(record("E1", "k", "content-" + i)));
    assertThat(errors.stream().filter(e -> e == null)).hasSize(1);
    assertThat(errors.stream().filter(e -> e != null))
        .hasSize(THREADS - 1)
        .allMatch(
            e -> e instanceof IdempotencyConflictException, "is IdempotencyConflictException");
    int winner = errors.indexOf(null);
    assertThat(
            store
                .loadByEventId(EventId.of("E1"))
                .sameContent(record("E1", "k", "content-" + winner)))
        .isTrue();
  }

  @Test
  void save_64ThreadsOneEventIdDifferentSlots_exactlyOneStored() throws Exception {
    StateStore store = open("maxPoolSize=16");
    List<Throwable> errors = race(i -> () -> store.save(record("E1", "k" + i, "x")));
    assertThat(errors.stream().filter(e -> e == null)).hasSize(1);
    assertThat(errors.stream().filter(e -> e != null))
        .allMatch(
            e -> e instanceof IdempotencyConflictException, "is IdempotencyConflictException");
    assertThat(store.loadByEventId(EventId.of("E1")).kind()).isEqualTo("k" + errors.indexOf(null));
  }

  @Test
  void save_64ThreadsOwnEventIdsOneSlot_allSucceedAndOneIdIsLive() throws Exception {
    StateStore store = open("maxPoolSize=16");
    List<Throwable> errors = race(i -> () -> store.save(record("E" + i, "k", "v" + i)));
    assertThat(errors).containsOnlyNulls();
    StateRecord held = store.load(Q, "k");
    int live = 0;
    for (int i = 0; i < THREADS; i++) {
      if (store.findByEventId(EventId.of("E" + i)).isPresent()) {
        live++;
        assertThat(held.id().value()).isEqualTo("E" + i);
      }
    }
    assertThat(live).isEqualTo(1);
  }

  /** Runs one task per thread, released together; the failure of each, or null. */
  private static List<Throwable> race(IntFunction<Runnable> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Throwable>> futures = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        Runnable r = task.apply(i);
        Callable<Throwable> c =
            () -> {
              start.await();
              try {
                r.run();
                return null;
              } catch (RuntimeException e) {
                return e;
              }
            };
        futures.add(pool.submit(c));
      }
      start.countDown();
      List<Throwable> out = new ArrayList<>();
      for (Future<Throwable> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
