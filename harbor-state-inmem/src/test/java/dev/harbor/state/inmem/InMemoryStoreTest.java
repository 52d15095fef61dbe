package dev.harbor.state.inmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.ListScope;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What only the in-memory driver shows: lock waits that are interrupted or time out, options,
 * ordering.
 */
class InMemoryStoreTest {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "");

  private static StateRecord record(String id, String bytes) {
    return StateRecord.of(EventId.of(id), Q, "k", bytes.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void conditionalWrite_interruptedWhileWaitingForAFencedSlot_isCancelledAndChangesNothing()
      throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      store.save(record("a", "one"));
      CountDownLatch fenced = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<?> fence =
            pool.submit(
                () ->
                    store.fenceIf(
                        SlotExpectation.exact(Q, "k", EventId.of("a")),
                        () -> {
                          fenced.countDown();
                          awaitQuietly(release);
                        }));
        assertThat(fenced.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Thread> waiter = new AtomicReference<>();
        Future<Throwable> saveIf =
            pool.submit(
                () -> {
                  waiter.set(Thread.currentThread());
                  try {
                    store.saveIf(
                        List.of(SlotExpectation.exact(Q, "k", EventId.of("a"))),
                        record("b", "two"));
                    return null;
                  } catch (Throwable t) {
                    return t;
                  } finally {
                    Thread.interrupted();
                  }
                });
        while (waiter.get() == null) {
          Thread.onSpinWait();
        }
        Thread.sleep(50); // let it block on the slot lock
        waiter.get().interrupt();
        assertThat(saveIf.get(10, TimeUnit.SECONDS))
            .isInstanceOf(OperationCancelledException.class);
        release.countDown();
        fence.get(10, TimeUnit.SECONDS);
      } finally {
        release.countDown();
        pool.shutdownNow();
      }
      assertThat(store.load(Q, "k").id()).isEqualTo(EventId.of("a"));
      assertThat(store.findByEventId(EventId.of("b"))).isEmpty();
    }
  }

  @Test
  void conditionalWrite_blockedLongerThanOperationTimeout_failsTransientlyAndChangesNothing()
      throws Exception {
    try (StateStore store = StateStores.open("inmem:?operationTimeout=100ms")) {
      store.save(record("a", "one"));
      CountDownLatch fenced = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Void> fence =
          CompletableFuture.runAsync(
              () ->
                  store.fenceIf(
                      SlotExpectation.exact(Q, "k", EventId.of("a")),
                      () -> {
                        fenced.countDown();
                        awaitQuietly(release);
                      }));
      try {
        assertThat(fenced.await(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(
                () ->
                    store.saveIf(
                        List.of(SlotExpectation.exact(Q, "k", EventId.of("a"))),
                        record("b", "two")))
            .isInstanceOfSatisfying(
                StorageException.class, e -> assertThat(e.isTransient()).isTrue());
        assertThat(store.deleteIf(SlotExpectation.exact(Q, "other", EventId.of("z"))))
            .as("an unrelated slot is not held back")
            .isFalse();
      } finally {
        release.countDown();
      }
      fence.get(10, TimeUnit.SECONDS);
      assertThat(store.load(Q, "k").id()).isEqualTo(EventId.of("a"));
    }
  }

  @Test
  void unconditionalSave_isNotHeldBackByAFence() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      store.save(record("a", "one"));
      store.fenceIf(
          SlotExpectation.exact(Q, "k", EventId.of("a")),
          () -> {
            try {
              CompletableFuture.runAsync(() -> store.save(record("b", "two")))
                  .get(10, TimeUnit.SECONDS);
            } catch (InterruptedException
                | ExecutionException
                | java.util.concurrent.TimeoutException e) {
              throw new AssertionError(e);
            }
          });
      assertThat(store.load(Q, "k").id()).isEqualTo(EventId.of("b"));
    }
  }

  @Test
  void fenceIf_actionCallingAConditionalWriteOnItsOwnSlot_failsFastInsteadOfWaitingForItself() {
    try (StateStore store = StateStores.open("inmem:")) {
      store.save(record("a", "one"));
      SlotExpectation fence = SlotExpectation.exact(Q, "k", EventId.of("a"));
      assertThatThrownBy(
              () -> store.fenceIf(fence, () -> store.saveIf(List.of(fence), record("b", "two"))))
          .isInstanceOf(IllegalStateException.class);
      assertThat(store.load(Q, "k").id()).isEqualTo(EventId.of("a"));
      store.saveIf(List.of(fence), record("b", "two")); // the fence was lifted
      assertThat(store.load(Q, "k").id()).isEqualTo(EventId.of("b"));
    }
  }

  @Test
  void boundedListKind_returnsTheSmallestSlotsInUtf8ByteOrder() {
    try (StateStore store = StateStores.open("inmem:")) {
      String[] tenants = {"b", "a", "\uFF61", "\uD83D\uDE00", "A", "ab"};
      for (String t : tenants) {
        store.save(StateRecord.of(EventId.newId(), new Quadruple(t, "u", "s", ""), "k", null));
      }
      assertThat(store.listKind(ListScope.MAINTENANCE, "k", 4))
          .extracting(r -> r.identity().tenantId())
          .containsExactly("A", "a", "ab", "b");
      assertThat(store.listKind(ListScope.MAINTENANCE, "k", 10001))
          .extracting(r -> r.identity().tenantId())
          .containsExactly("A", "a", "ab", "b", "\uFF61", "\uD83D\uDE00");
    }
  }

  @Test
  void utf8Order_matchesByteOrderOfTheEncodings() {
    String[] samples = {
      "",
      "a",
      "ab",
      "b",
      "\u007F",
      "\u0080",
      "\u07FF",
      "\u0800",
      "\uFFFF",
      "\uFF61",
      "\uD800\uDC00",
      "\uD83D\uDE00",
      "\uDBFF\uDFFF",
      "a\uD83D\uDE00",
      "a\uFF61"
    };
    for (String a : samples) {
      for (String b : samples) {
        int expected =
            Integer.signum(
                java.util.Arrays.compareUnsigned(
                    a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        assertThat(Integer.signum(Utf8Order.compare(a, b)))
            .as("%s vs %s", a, b)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void unknownOption_isRejectedAtOpen() {
    assertThatThrownBy(() -> StateStores.open("inmem:?busyTimeout=1s"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("busyTimeout");
  }

  @Test
  void maxPayloadBytesOption_isEnforced() {
    try (StateStore store = StateStores.open("inmem:?maxPayloadBytes=4")) {
      store.save(record("a", "1234"));
      assertThatThrownBy(() -> store.save(record("b", "12345")))
          .isInstanceOf(dev.harbor.state.InvalidRecordException.class);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
