package dev.harbor.state.spi;

import static dev.harbor.state.spi.SpiFixtures.CLOCK;
import static dev.harbor.state.spi.SpiFixtures.Q;
import static dev.harbor.state.spi.SpiFixtures.rec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.ListScope;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The core's own rules, against a driver that records what reaches it. */
class StoreCoreTest {

  private final StoreContext context = new StoreContext("fake", 8, CLOCK);
  private final RecordingDriver driver = new RecordingDriver();
  private final StateStore store = StoreCore.open(context, driver);

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  @Test
  void order_closedBeforeInterruptedBeforeIdentityBeforeTheRest() {
    StateRecord bad = rec(new Quadruple("", "", "", ""), "", "", 100);
    assertThatThrownBy(() -> store.save(rec(Q, "", "", 100)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> store.save(bad)).isInstanceOf(IdentityRequiredException.class);
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> store.save(bad)).isInstanceOf(OperationCancelledException.class);
    assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag stays set").isTrue();
    Thread.interrupted();
    store.close();
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> store.save(bad)).isInstanceOf(StoreClosedException.class);
    assertThat(driver.calls).as("nothing reached the driver").containsExactly("closing", "close");
  }

  @Test
  void purge_passesTheLastWholeMicrosecondBeforeTheCutoff_andNothingBeforeTheFirst() {
    Instant t = Instant.parse("2030-01-02T03:04:05.123456Z");
    ListScope m = ListScope.MAINTENANCE;
    store.purge(m, "t", "k", t, 10);
    store.purge(m, "t", "k", t.plusNanos(1), 10);
    store.purge(m, "t", "k", t.plusNanos(999), 10);
    store.purge(m, "t", "k", Instant.MAX, 10);
    assertThat(store.purge(m, "t", "k", StateRecord.MIN_UPDATED_AT, 10)).isZero();
    assertThat(store.purge(m, "t", "k", Instant.MIN, 10)).isZero();
    assertThat(driver.purgedUpTo)
        .containsExactly(t.minusNanos(1000), t, t, StateRecord.MAX_UPDATED_AT);
    store.purge(m, "t", "k", StateRecord.MIN_UPDATED_AT.plusNanos(1), 10);
    assertThat(driver.purgedUpTo).endsWith(StateRecord.MIN_UPDATED_AT);
  }

  @Test
  void invalidInput_neverReachesTheDriver() {
    SlotExpectation k = SlotExpectation.absent(Q, "k");
    List<Runnable> bad =
        List.of(
            () -> store.save(rec(Q, "k", "e", 9)),
            () -> store.saveAll(List.of(rec(Q, "k", "a", 0), rec(Q, "k", "b", 0))),
            () -> store.saveIf(List.of(k), rec(Q, "other", "a", 0)),
            () -> store.saveBatchIf(List.of(k), List.of()),
            () -> store.deleteIf(k),
            () -> store.fenceIf(k, () -> {}),
            () -> store.find(Q, "a\u0000"),
            () -> store.findByEventId(EventId.of("\uD800")),
            () -> store.findByEventId("", EventId.of("a")),
            () -> store.findByEventId("t", EventId.of("")),
            () -> store.loadByEventId("t\u0000", EventId.of("a")),
            () -> store.loadByEventId("t", null),
            () -> store.delete(Q, ""),
            () -> store.deleteScope(new Identity("t", "", "s")),
            () -> store.purge(ListScope.MAINTENANCE, "t", "", Instant.MAX, 10),
            () -> store.purge(ListScope.MAINTENANCE, "t", "k", null, 10),
            () -> store.eraseUser(ListScope.MAINTENANCE, "t", "", 10),
            () -> store.eraseTenant(ListScope.NONE, "t", 10),
            () -> store.eraseTenant(ListScope.MAINTENANCE, "t", 10_001),
            () -> store.listKind(ListScope.NONE, "k"),
            () -> store.listKindForIdentity(Q, "k", 1001),
            () -> store.scanKindForTenant(ListScope.MAINTENANCE, "t", "k", 257, ""),
            () -> store.scanAll(ListScope.MAINTENANCE, 0, ""));
    for (Runnable call : bad) {
      assertThatThrownBy(call::run).isInstanceOf(RuntimeException.class);
    }
    assertThat(driver.calls).isEmpty();
  }

  @Test
  void tenantScopedLookups_reachTheScopedPrimitive_andAMissNamesOnlyTheCallersTenant() {
    assertThat(store.findByEventId("t", EventId.of("a"))).isEmpty();
    assertThatThrownBy(() -> store.loadByEventId("t", EventId.of("a")))
        .isInstanceOf(RecordNotFoundException.class)
        .hasMessageStartingWith("no live record of tenant t has event id a in ");
    assertThat(driver.calls)
        .containsExactly("findByEventId of tenant t", "findByEventId of tenant t");
  }

  @Test
  void tenantScopedLookups_checkClosedInterruptedTenantStringsThenNull() {
    assertThatThrownBy(() -> store.findByEventId("", null))
        .isInstanceOf(IdentityRequiredException.class);
    assertThatThrownBy(() -> store.loadByEventId(null, EventId.of("\u0000")))
        .isInstanceOf(IdentityRequiredException.class);
    assertThatThrownBy(() -> store.findByEventId("t\uD800", null))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> store.loadByEventId("t", EventId.of("")))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> store.findByEventId("t", null))
        .isInstanceOf(NullPointerException.class);
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> store.findByEventId("", null))
        .isInstanceOf(OperationCancelledException.class);
    Thread.interrupted();
    store.close();
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> store.loadByEventId("", null))
        .isInstanceOf(StoreClosedException.class);
    assertThat(driver.calls).as("nothing reached the driver").containsExactly("closing", "close");
  }

  @Test
  void writes_reachTheDriverStamped_andDerivedMethodsComeFromPrimitives() {
    store.save(rec(Q, "k", "a", 1));
    store.saveIf(List.of(SlotExpectation.absent(Q, "j")), rec(Q, "j", "b", 1));
    store.saveAll(List.of());
    assertThat(driver.saved)
        .extracting(StateRecord::updatedAt)
        .containsOnly(Instant.parse("2030-01-02T03:04:05.123456Z"));
    assertThat(driver.calls).containsExactly("save", "saveIf");
    assertThatThrownBy(() -> store.load(Q, "k"))
        .isInstanceOf(RecordNotFoundException.class)
        .hasMessageContaining("(t, u, s, , k)");
    assertThatThrownBy(() -> store.loadByEventId(EventId.of("a")))
        .isInstanceOf(RecordNotFoundException.class);
    store.listKind(ListScope.MAINTENANCE, "k");
    assertThat(driver.lastLimit).as("unbounded listing").isEqualTo(Integer.MAX_VALUE);
    ScanPage page = store.scanKindForTenant(ListScope.MAINTENANCE, "t", "k", 5, "");
    assertThat(driver.lastLimit).as("one row beyond the page").isEqualTo(6);
    assertThat(page.records()).isEmpty();
  }

  @Test
  void close_waitsForTheCallInFlight_andLaterCallsThrowClosed() throws Exception {
    CountDownLatch inSave = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    driver.onSave =
        () -> {
          inSave.countDown();
          await(release);
        };
    CompletableFuture<Void> save =
        CompletableFuture.runAsync(() -> store.save(rec(Q, "k", "a", 1)));
    assertThat(inSave.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> close = CompletableFuture.runAsync(store::close);
    awaitClosing();
    assertThatThrownBy(() -> store.find(Q, "k")).isInstanceOf(StoreClosedException.class);
    Thread.sleep(50); // close must still be waiting: nothing tells it the save returned
    assertThat(close).isNotDone();
    assertThat(driver.calls).doesNotContain("close");
    release.countDown();
    save.get(10, TimeUnit.SECONDS);
    close.get(10, TimeUnit.SECONDS);
    assertThat(driver.calls).containsExactly("save", "closing", "close");
  }

  @Test
  void close_calledConcurrently_closesTheDriverOnce_andEveryCallerReturnsClosed() throws Exception {
    List<CompletableFuture<Void>> closers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      closers.add(CompletableFuture.runAsync(store::close));
    }
    for (CompletableFuture<Void> c : closers) {
      c.get(10, TimeUnit.SECONDS);
    }
    assertThat(driver.closes.get()).isEqualTo(1);
  }

  @Test
  void close_insideAFencesAction_doesNotWaitForThatFence() {
    store.fenceIf(
        SlotExpectation.exact(Q, "k", EventId.of("a")),
        () -> {
          store.close();
          assertThatThrownBy(() -> store.find(Q, "k")).isInstanceOf(StoreClosedException.class);
        });
    assertThat(driver.calls).containsExactly("fenceIf", "closing", "close", "fenceReleased");
  }

  private static final SlotExpectation FENCED = SlotExpectation.exact(Q, "k", EventId.of("a"));

  /** A fence whose action throws {@code own}; returns what the caller got. */
  private Throwable fenceThrowing(Throwable own) {
    return catchThrowable(
        () ->
            store.fenceIf(
                FENCED,
                () -> {
                  if (own instanceof Error e) {
                    throw e;
                  }
                  throw (RuntimeException) own;
                }));
  }

  /** Makes the driver fail each time it releases a fence, after the action. */
  private StorageException failReleasing() {
    StorageException releasing = new StorageException("rollback failed", true, null);
    driver.onFenceReleased =
        () -> {
          throw releasing;
        };
    return releasing;
  }

  @Test
  void aFenceActionsOwnException_reachesTheCallerUnchanged_afterTheDriverReleased() {
    IllegalStateException own = new IllegalStateException("the action's own");

    assertThat(fenceThrowing(own)).isSameAs(own);
    assertThat(driver.calls).containsExactly("fenceIf", "fenceReleased");
    assertThat(own.getSuppressed()).isEmpty();
  }

  @Test
  void aFenceActionsOwnException_winsOverAFailureToRelease_whichIsSuppressed() {
    AssertionError own = new AssertionError("the action's own");
    StorageException releasing = failReleasing();

    assertThat(fenceThrowing(own)).isSameAs(own);
    assertThat(own.getSuppressed()).containsExactly(releasing);
  }

  @Test
  void aFailureToRelease_afterAnActionThatReturned_reachesTheCaller() {
    StorageException releasing = failReleasing();

    assertThatThrownBy(() -> store.fenceIf(FENCED, () -> {})).isSameAs(releasing);
  }

  @Test
  void driverName_honoursCloseAndInterrupt() {
    assertThat(store.driverName()).isEqualTo("fake");
    Thread.currentThread().interrupt();
    assertThatThrownBy(store::driverName).isInstanceOf(OperationCancelledException.class);
    Thread.interrupted();
    store.close();
    assertThatThrownBy(store::driverName).isInstanceOf(StoreClosedException.class);
  }

  private void awaitClosing() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!context.isClosed() && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(context.isClosed()).isTrue();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stores nothing; records which primitives ran, in order. */
  private static final class RecordingDriver implements StoreDriver {
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final List<StateRecord> saved = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger closes = new AtomicInteger();
    volatile Runnable onSave = () -> {};
    volatile Runnable onFenceReleased = () -> {};
    volatile int lastLimit;

    @Override
    public void save(StateRecord record) {
      calls.add("save");
      onSave.run();
      saved.add(record);
    }

    @Override
    public void saveAll(List<StateRecord> records) {
      calls.add("saveAll");
      saved.addAll(records);
    }

    @Override
    public void saveIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
      calls.add("saveIf");
      saved.addAll(writes);
    }

    @Override
    public boolean deleteIf(SlotExpectation expectation) {
      calls.add("deleteIf");
      return false;
    }

    @Override
    public void fenceIf(SlotExpectation expectation, Runnable action) {
      calls.add("fenceIf");
      action.run();
      calls.add("fenceReleased");
      onFenceReleased.run();
    }

    @Override
    public void delete(Quadruple identity, String kind) {
      calls.add("delete");
    }

    @Override
    public int deleteScope(Identity identity) {
      calls.add("deleteScope");
      return 0;
    }

    final List<Instant> purgedUpTo = Collections.synchronizedList(new ArrayList<>());

    @Override
    public int purge(String tenantId, String kindPrefix, Instant latest, int limit) {
      calls.add("purge");
      purgedUpTo.add(latest);
      return 0;
    }

    @Override
    public int eraseUser(String tenantId, String userId, int limit) {
      calls.add("eraseUser");
      return 0;
    }

    @Override
    public int eraseTenant(String tenantId, int limit) {
      calls.add("eraseTenant");
      return 0;
    }

    @Override
    public Optional<StateRecord> find(Quadruple identity, String kind) {
      return Optional.empty();
    }

    @Override
    public Optional<StateRecord> findByEventId(EventId eventId) {
      return Optional.empty();
    }

    @Override
    public Optional<StateRecord> findByEventId(String tenantId, EventId eventId) {
      calls.add("findByEventId of tenant " + tenantId);
      return Optional.empty();
    }

    @Override
    public List<StateRecord> listKind(String kindPrefix, int limit) {
      lastLimit = limit;
      return List.of();
    }

    @Override
    public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
      lastLimit = limit;
      return List.of();
    }

    @Override
    public List<StateRecord> scanKindForTenant(
        String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max) {
      lastLimit = max;
      return List.of();
    }

    @Override
    public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
      lastLimit = max;
      return List.of();
    }

    @Override
    public void closing() {
      calls.add("closing");
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      calls.add("close");
    }
  }
}
