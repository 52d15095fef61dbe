package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.ListScope;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The driver's own behaviour tests, run against a file and against memory: the places where SQL
 * could get the contract wrong (byte order, literal prefixes, idempotency inside transactions, the
 * write lock).
 */
abstract class SqliteStoreTestBase {

  static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123456789Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final Quadruple Q = new Quadruple("t1", "u1", "s1", "r1");
  static final Quadruple Q_SESSION = new Quadruple("t1", "u1", "s1", "");

  StateStore store;

  /** A fresh store for one test. */
  abstract StateStore open(Map<String, String> options);

  /** Removes what {@link #open} created. */
  void cleanUp() {}

  @BeforeEach
  final void setUp() {
    store = open(Map.of());
  }

  @AfterEach
  final void tearDown() {
    store.close();
    cleanUp();
  }

  static StateStore openConfig(String location, Map<String, String> options) {
    return StateStores.open(
        StateConfig.builder()
            .driver("sqlite")
            .location(location)
            .options(options)
            .clock(CLOCK)
            .build());
  }

  static StateRecord rec(String id, Quadruple q, String kind, String payload) {
    return StateRecord.of(EventId.of(id), q, kind, payload.getBytes(StandardCharsets.UTF_8));
  }

  static List<String> kinds(List<StateRecord> records) {
    return records.stream().map(StateRecord::kind).toList();
  }

  // ---- save and load ----

  @Test
  void save_roundTripsEveryField_andStampsFromTheClockAtMicros() {
    Instant explicit = Instant.parse("1969-12-31T23:59:59.999999999Z");
    StateRecord a =
        StateRecord.builder()
            .id("e1")
            .identity(Q)
            .kind("k")
            .version(-7)
            .bytes(new byte[] {0, -1, 2})
            .updatedAt(explicit)
            .build();
    store.save(a);
    store.save(rec("e2", Q, "k2", "x"));

    StateRecord loaded = store.load(Q, "k");
    assertThat(loaded).isEqualTo(a.withUpdatedAt(Instant.parse("1969-12-31T23:59:59.999999Z")));
    assertThat(store.load(Q, "k2").updatedAt())
        .isEqualTo(Instant.parse("2030-01-02T03:04:05.123456Z"));
    assertThat(store.loadByEventId(EventId.of("e1"))).isEqualTo(loaded);
  }

  @Test
  void save_emptyAndNullBytesAreEqual_andLargePayloadsRoundTrip() {
    store.save(StateRecord.of(EventId.of("e1"), Q, "k", null));
    store.save(StateRecord.of(EventId.of("e1"), Q, "k", new byte[0]));
    assertThat(store.load(Q, "k").bytes()).isEmpty();

    byte[] big = new byte[3 * 1024 * 1024 + 7];
    new java.util.Random(1).nextBytes(big);
    store.save(StateRecord.of(EventId.of("e2"), Q, "big", big));
    assertThat(store.load(Q, "big").bytes()).isEqualTo(big);
    store.save(StateRecord.of(EventId.of("e2"), Q, "big", big)); // replay compares in SQLite
  }

  @Test
  void save_replayIsNoOp_keepingUpdatedAt() {
    store.save(rec("e1", Q, "k", "a").withUpdatedAt(Instant.parse("2020-01-01T00:00:00Z")));
    store.save(rec("e1", Q, "k", "a").withUpdatedAt(Instant.parse("2021-01-01T00:00:00Z")));
    assertThat(store.load(Q, "k").updatedAt()).isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
  }

  @Test
  void save_sameEventIdDifferentContentOrSlot_throwsIdempotencyConflict_andChangesNothing() {
    store.save(rec("e1", Q, "k", "a"));
    assertThatThrownBy(() -> store.save(rec("e1", Q, "k", "b")))
        .isInstanceOf(IdempotencyConflictException.class);
    assertThatThrownBy(() -> store.save(rec("e1", Q, "k", "a").withVersion(1)))
        .isInstanceOf(IdempotencyConflictException.class);
    assertThatThrownBy(() -> store.save(rec("e1", Q, "other", "a")))
        .isInstanceOf(IdempotencyConflictException.class)
        .hasMessageContaining("e1");
    assertThatThrownBy(() -> store.save(rec("e1", Q_SESSION, "k", "a")))
        .isInstanceOf(IdempotencyConflictException.class);
    assertThat(store.load(Q, "k"))
        .isEqualTo(rec("e1", Q, "k", "a").withUpdatedAt(store.load(Q, "k").updatedAt()));
    assertThat(store.find(Q, "other")).isEmpty();
    assertThat(store.find(Q_SESSION, "k")).isEmpty();
  }

  @Test
  void save_secondIdOverwrites_andFirstIdIsForgottenAndReusable() {
    store.save(rec("e1", Q, "k", "a"));
    store.save(rec("e2", Q, "k", "b"));
    assertThat(store.findByEventId(EventId.of("e1"))).isEmpty();
    assertThat(store.load(Q, "k").id()).isEqualTo(EventId.of("e2"));
    store.save(rec("e1", Q, "elsewhere", "c"));
    assertThat(store.loadByEventId(EventId.of("e1")).kind()).isEqualTo("elsewhere");
  }

  @Test
  void load_miss_throwsRecordNotFound_namingTheKey() {
    assertThatThrownBy(() -> store.load(Q, "nope"))
        .isInstanceOf(RecordNotFoundException.class)
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> store.loadByEventId(EventId.of("e404")))
        .isInstanceOf(RecordNotFoundException.class)
        .hasMessageContaining("e404");
  }

  @Test
  void emptyRun_isItsOwnSlot() {
    store.save(rec("e1", Q, "k", "run"));
    store.save(rec("e2", Q_SESSION, "k", "session"));
    assertThat(store.load(Q_SESSION, "k").id().value()).isEqualTo("e2");
    assertThat(kinds(store.listKindForIdentity(Q_SESSION, "k"))).containsExactly("k");
    assertThat(store.listKindForIdentity(Q_SESSION, "k").get(0).identity()).isEqualTo(Q_SESSION);
  }

  @Test
  void payloadLimit_isTheOption() {
    StateStore small = open(Map.of("maxPayloadBytes", "10"));
    try {
      small.save(StateRecord.of(EventId.of("e1"), Q, "k", new byte[10]));
      assertThatThrownBy(() -> small.save(StateRecord.of(EventId.of("e2"), Q, "k", new byte[11])))
          .isInstanceOf(InvalidRecordException.class);
      assertThat(small.load(Q, "k").id().value()).isEqualTo("e1");
    } finally {
      small.close();
    }
  }

  @Test
  void save_updatedAtOutsideTheStorableRange_isInvalidAndChangesNothing() {
    assertThatThrownBy(() -> store.save(rec("e1", Q, "k", "a").withUpdatedAt(Instant.MAX)))
        .isInstanceOf(InvalidRecordException.class);
    assertThat(store.find(Q, "k")).isEmpty();
  }

  @Test
  void save_updatedAtAtTheEdgesOfTheRange_roundTrips() {
    // The conversion to 64-bit microseconds has no range check of its own: these must fit.
    store.save(rec("e1", Q, "min", "a").withUpdatedAt(StateRecord.MIN_UPDATED_AT));
    store.save(rec("e2", Q, "max", "a").withUpdatedAt(StateRecord.MAX_UPDATED_AT));
    assertThat(store.load(Q, "min").updatedAt()).isEqualTo(StateRecord.MIN_UPDATED_AT);
    assertThat(store.load(Q, "max").updatedAt()).isEqualTo(StateRecord.MAX_UPDATED_AT);
    assertThatThrownBy(
            () ->
                store.save(
                    rec("e3", Q, "over", "a")
                        .withUpdatedAt(StateRecord.MAX_UPDATED_AT.plusNanos(1000))))
        .isInstanceOf(InvalidRecordException.class);
    assertThat(store.find(Q, "over")).isEmpty();
  }

  // ---- batches and conditions ----

  @Test
  void saveAll_isAllOrNothing_andReplayable() {
    store.save(rec("taken", Q, "k0", "x"));
    List<StateRecord> bad = List.of(rec("e1", Q, "k1", "a"), rec("taken", Q, "k2", "b"));
    assertThatThrownBy(() -> store.saveAll(bad)).isInstanceOf(IdempotencyConflictException.class);
    assertThat(store.find(Q, "k1")).isEmpty();

    List<StateRecord> good =
        List.of(rec("e1", Q, "k1", "a"), rec("e2", Q, "k2", "b"), rec("taken", Q, "k0", "x"));
    store.saveAll(good);
    store.saveAll(good);
    assertThat(kinds(store.listKindForIdentity(Q, "k"))).containsExactly("k0", "k1", "k2");
    assertThatThrownBy(() -> store.saveAll(List.of(rec("e3", Q, "k", "a"), rec("e4", Q, "k", "b"))))
        .isInstanceOf(InvalidRecordException.class);
    store.saveAll(List.of());
  }

  @Test
  void saveIf_checksEverySlotAtomically() {
    store.saveIf(List.of(SlotExpectation.absent(Q, "a")), rec("e1", Q, "a", "1"));
    assertThatThrownBy(
            () -> store.saveIf(List.of(SlotExpectation.absent(Q, "a")), rec("e2", Q, "a", "2")))
        .isInstanceOf(ConditionFailedException.class);
    store.save(rec("b1", Q, "b", "x"));
    assertThatThrownBy(
            () ->
                store.saveIf(
                    List.of(
                        SlotExpectation.exact(Q, "a", EventId.of("e1")),
                        SlotExpectation.exact(Q, "b", EventId.of("zz"))),
                    rec("e2", Q, "a", "2")))
        .isInstanceOf(ConditionFailedException.class);
    assertThat(store.load(Q, "a").id().value()).isEqualTo("e1");
    store.saveIf(
        List.of(
            SlotExpectation.exact(Q, "a", EventId.of("e1")),
            SlotExpectation.exact(Q, "b", EventId.of("b1"))),
        rec("e2", Q, "a", "2"));
    assertThat(store.load(Q, "a").id().value()).isEqualTo("e2");
    assertThat(store.load(Q, "b").id().value()).isEqualTo("b1");
  }

  @Test
  void saveBatchIf_stalePredicateChangesNothing() {
    store.save(rec("a1", Q, "a", "x"));
    List<SlotExpectation> exp =
        List.of(SlotExpectation.exact(Q, "a", EventId.of("a1")), SlotExpectation.absent(Q, "b"));
    store.saveBatchIf(exp, List.of(rec("a2", Q, "a", "y"), rec("b1", Q, "b", "y")));
    assertThatThrownBy(() -> store.saveBatchIf(exp, List.of(rec("a3", Q, "a", "z"))))
        .isInstanceOf(ConditionFailedException.class);
    assertThat(store.load(Q, "a").id().value()).isEqualTo("a2");
    assertThat(store.load(Q, "b").id().value()).isEqualTo("b1");
  }

  @Test
  void deleteIf_deletesOnlyTheExpectedGeneration() {
    store.save(rec("e1", Q, "k", "a"));
    assertThat(store.deleteIf(SlotExpectation.exact(Q, "k", EventId.of("e0")))).isFalse();
    assertThat(store.deleteIf(SlotExpectation.exact(Q, "k", EventId.of("e1")))).isTrue();
    assertThat(store.deleteIf(SlotExpectation.exact(Q, "k", EventId.of("e1")))).isFalse();
    assertThat(store.findByEventId(EventId.of("e1"))).isEmpty();
  }

  @Test
  void fenceIf_actionExceptionPropagatesAsTheSameInstance_andNothingChanges() {
    store.save(rec("e1", Q, "k", "a"));
    IllegalStateException boom = new IllegalStateException("boom");
    assertThatThrownBy(
            () ->
                store.fenceIf(
                    SlotExpectation.exact(Q, "k", EventId.of("e1")),
                    () -> {
                      throw boom;
                    }))
        .isSameAs(boom);
    AssertionError error = new AssertionError("err");
    assertThatThrownBy(
            () ->
                store.fenceIf(
                    SlotExpectation.exact(Q, "k", EventId.of("e1")),
                    () -> {
                      throw error;
                    }))
        .isSameAs(error);
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(
            () ->
                store.fenceIf(
                    SlotExpectation.exact(Q, "k", EventId.of("e0")), runs::incrementAndGet))
        .isInstanceOf(ConditionFailedException.class);
    store.fenceIf(SlotExpectation.exact(Q, "k", EventId.of("e1")), runs::incrementAndGet);
    assertThat(runs).hasValue(1);
    store.save(rec("e2", Q, "k", "b")); // the write connection is usable after all of the above
    assertThat(store.load(Q, "k").id().value()).isEqualTo("e2");
  }

  @Test
  void fenceIf_actionWritingToTheSameStore_isRejected_andNothingIsWritten() {
    store.save(rec("e1", Q, "k", "a"));
    AtomicReference<RuntimeException> inner = new AtomicReference<>();
    assertThatThrownBy(
            () ->
                store.fenceIf(
                    SlotExpectation.exact(Q, "k", EventId.of("e1")),
                    () -> {
                      try {
                        store.save(rec("e2", Q, "k2", "b"));
                      } catch (RuntimeException e) {
                        inner.set(e);
                        throw e;
                      }
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("fenceIf");
    assertThat(inner.get()).isInstanceOf(IllegalStateException.class);
    assertThat(store.find(Q, "k2")).isEmpty();
    store.save(rec("e3", Q, "k3", "c"));
    assertThat(store.find(Q, "k3")).isPresent();
  }

  @Test
  void fenceIf_holdsBackSaveIfUntilReleased() throws Exception {
    store.save(rec("e1", Q, "k", "a"));
    CountDownLatch inFence = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> fence =
          pool.submit(
              () ->
                  store.fenceIf(
                      SlotExpectation.exact(Q, "k", EventId.of("e1")),
                      () -> {
                        inFence.countDown();
                        await(release);
                      }));
      assertThat(inFence.await(10, TimeUnit.SECONDS)).isTrue();
      Future<?> saveIf =
          pool.submit(
              () ->
                  store.saveIf(
                      List.of(SlotExpectation.exact(Q, "k", EventId.of("e1"))),
                      rec("e2", Q, "k", "b")));
      Thread.sleep(100);
      assertThat(saveIf.isDone()).isFalse();
      release.countDown();
      fence.get(10, TimeUnit.SECONDS);
      saveIf.get(10, TimeUnit.SECONDS);
      assertThat(store.load(Q, "k").id().value()).isEqualTo("e2");
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void writer_waitingPastOperationTimeout_isTransientStorageException_andChangesNothing()
      throws Exception {
    StateStore quick = open(Map.of("operationTimeout", "200ms"));
    CountDownLatch inFence = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      quick.save(rec("e1", Q, "k", "a"));
      CompletableFuture<Void> fence =
          CompletableFuture.runAsync(
              () ->
                  quick.fenceIf(
                      SlotExpectation.exact(Q, "k", EventId.of("e1")),
                      () -> {
                        inFence.countDown();
                        await(release);
                      }));
      assertThat(inFence.await(10, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> quick.save(rec("e2", Q, "k2", "b")))
          .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isTrue())
          .hasMessageContaining("operationTimeout");
      release.countDown();
      fence.get(10, TimeUnit.SECONDS);
      assertThat(quick.find(Q, "k2")).isEmpty();
    } finally {
      release.countDown();
      quick.close();
    }
  }

  @Test
  void interruptedWhileWaitingForTheWriter_isCancelled_flagSet_nothingChanged() throws Exception {
    store.save(rec("e1", Q, "k", "a"));
    CountDownLatch inFence = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Throwable> seen = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Thread fence =
        new Thread(
            () ->
                store.fenceIf(
                    SlotExpectation.exact(Q, "k", EventId.of("e1")),
                    () -> {
                      inFence.countDown();
                      await(release);
                    }));
    fence.start();
    try {
      assertThat(inFence.await(10, TimeUnit.SECONDS)).isTrue();
      Thread writer =
          new Thread(
              () -> {
                try {
                  store.save(rec("e2", Q, "k2", "b"));
                } catch (Throwable t) {
                  seen.set(t);
                }
                flag.set(Thread.currentThread().isInterrupted());
              });
      writer.start();
      while (writer.getState() != Thread.State.TIMED_WAITING && writer.isAlive()) {
        Thread.onSpinWait();
      }
      writer.interrupt();
      writer.join(10_000);
      assertThat(seen.get()).isInstanceOf(OperationCancelledException.class);
      assertThat(flag.get()).isTrue();
    } finally {
      release.countDown();
      fence.join(10_000);
    }
    assertThat(store.find(Q, "k2")).isEmpty();
  }

  @Test
  void interruptedCaller_isCancelled_andFlagStaysSet() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> store.save(rec("e1", Q, "k", "a")))
          .isInstanceOf(OperationCancelledException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(store.find(Q, "k")).isEmpty();
  }

  // ---- delete ----

  @Test
  void deleteScope_removesOneSessionOnly_andForgetsIds() {
    store.save(rec("e1", Q, "a", "1"));
    store.save(rec("e2", Q_SESSION, "b", "1"));
    store.save(rec("e3", new Quadruple("t1", "u1", "s2", "r1"), "a", "1"));
    store.save(rec("e4", new Quadruple("t2", "u1", "s1", "r1"), "a", "1"));
    assertThat(store.deleteScope(new Identity("t1", "u1", "s1"))).isEqualTo(2);
    assertThat(store.deleteScope(new Identity("t1", "u1", "s1"))).isZero();
    assertThat(store.findByEventId(EventId.of("e1"))).isEmpty();
    assertThat(store.findByEventId(EventId.of("e3"))).isPresent();
    assertThat(store.findByEventId(EventId.of("e4"))).isPresent();
    store.delete(Q, "a");
    store.delete(new Quadruple("t1", "u1", "s2", "r1"), "a");
    assertThat(store.findByEventId(EventId.of("e3"))).isEmpty();
  }

  // ---- prefixes and order ----

  @Test
  void prefixes_matchLiterallyAndByteExactly() {
    String[] kinds = {
      "a%b",
      "a_b",
      "axb",
      "a\\b",
      "a\\\\",
      "A_b",
      "ab",
      "é.x",
      "e\u0301",
      "e",
      "\uFFFF.x",
      new String(Character.toChars(0x10000)) + ".x",
      new String(Character.toChars(0x10FFFF)) + "z",
      new String(Character.toChars(0x10FFFF)),
      "*x",
      "?x",
      "[x"
    };
    int n = 0;
    for (String k : kinds) {
      store.save(rec("e" + n++, Q, k, k));
    }
    assertThat(kinds(store.listKindForIdentity(Q, "a%"))).containsExactly("a%b");
    assertThat(kinds(store.listKindForIdentity(Q, "a_"))).containsExactly("a_b");
    assertThat(kinds(store.listKindForIdentity(Q, "a\\"))).containsExactly("a\\\\", "a\\b");
    assertThat(kinds(store.listKindForIdentity(Q, "A"))).containsExactly("A_b");
    assertThat(kinds(store.listKindForIdentity(Q, "é"))).containsExactly("é.x");
    assertThat(kinds(store.listKindForIdentity(Q, "e"))).containsExactly("e", "e\u0301");
    assertThat(kinds(store.listKindForIdentity(Q, "\uFFFF"))).containsExactly("\uFFFF.x");
    assertThat(kinds(store.listKindForIdentity(Q, "*"))).containsExactly("*x");
    assertThat(kinds(store.listKindForIdentity(Q, "?"))).containsExactly("?x");
    assertThat(kinds(store.listKindForIdentity(Q, "["))).containsExactly("[x");
    String max = new String(Character.toChars(0x10FFFF));
    assertThat(kinds(store.listKindForIdentity(Q, max))).containsExactly(max, max + "z");
    assertThat(kinds(store.listKind(ListScope.MAINTENANCE, "a%"))).containsExactly("a%b");
    assertThat(kinds(store.listKind(ListScope.MAINTENANCE, "a_", 10))).containsExactly("a_b");
    assertThat(kinds(store.scanKindForTenant(ListScope.MAINTENANCE, "t1", "a_", 10, "").records()))
        .containsExactly("a_b");
  }

  @Test
  void boundedLists_orderByUtf8Bytes_notByUtf16() {
    String supplementary = new String(Character.toChars(0x1F600));
    // In UTF-16 the surrogate pair sorts below U+FFFF; in UTF-8 bytes it sorts above.
    for (String k : List.of("k" + supplementary, "k\uFFFF", "k\u00E9", "kz", "kA")) {
      store.save(rec("id-" + k, Q, k, "x"));
    }
    List<String> expected = List.of("kA", "kz", "k\u00E9", "k\uFFFF", "k" + supplementary);
    assertThat(kinds(store.listKindForIdentity(Q, "k", 1000))).containsExactlyElementsOf(expected);
    assertThat(kinds(store.listKindForIdentity(Q, "k", 2)))
        .containsExactlyElementsOf(expected.subList(0, 2));
    assertThat(kinds(store.listKind(ListScope.MAINTENANCE, "k", 3)))
        .containsExactlyElementsOf(expected.subList(0, 3));
  }

  @Test
  void boundedListKind_ordersByTheWholeKey() {
    store.save(rec("e1", new Quadruple("t2", "u", "s", ""), "k", "x"));
    store.save(rec("e2", new Quadruple("t1", "u", "s", "r"), "k", "x"));
    store.save(rec("e3", new Quadruple("t1", "u", "s", ""), "k2", "x"));
    store.save(rec("e4", new Quadruple("t1", "u", "s", ""), "k", "x"));
    store.save(rec("e5", new Quadruple("t1", "U", "s", ""), "k", "x"));
    assertThat(store.listKind(ListScope.MAINTENANCE, "k", 10001).stream().map(r -> r.id().value()))
        .containsExactly("e5", "e4", "e3", "e2", "e1");
    assertThat(store.listKind(ListScope.MAINTENANCE, "k", 2).stream().map(r -> r.id().value()))
        .containsExactly("e5", "e4");
  }

  @Test
  void scan_pagesThroughEveryRowOnceInOrder_andReplaysDeterministically() {
    List<String> expected = new ArrayList<>();
    for (String user : List.of("u1", "u2")) {
      for (String run : List.of("", "r1")) {
        for (String kind : List.of("job.a", "job.b")) {
          store.save(rec(user + run + kind, new Quadruple("t1", user, "s", run), kind, "x"));
          expected.add(user + run + kind);
        }
      }
    }
    store.save(rec("other-tenant", new Quadruple("t2", "u1", "s", ""), "job.a", "x"));
    store.save(rec("other-kind", new Quadruple("t1", "u1", "s", ""), "jobs", "x"));
    List<String> seen = new ArrayList<>();
    String continuation = "";
    String second = null;
    do {
      ScanPage page = store.scanKindForTenant(ListScope.MAINTENANCE, "t1", "job.", 1, continuation);
      if (seen.size() == 1) {
        second = continuation;
      }
      page.records().forEach(r -> seen.add(r.id().value()));
      continuation = page.continuation();
    } while (!continuation.isEmpty());
    assertThat(seen).containsExactlyElementsOf(expected);
    ScanPage replay = store.scanKindForTenant(ListScope.MAINTENANCE, "t1", "job.", 3, second);
    assertThat(store.scanKindForTenant(ListScope.MAINTENANCE, "t1", "job.", 3, second))
        .isEqualTo(replay);
    assertThat(replay.records().stream().map(r -> r.id().value()))
        .containsExactlyElementsOf(expected.subList(1, 4));
    ScanPage all = store.scanKindForTenant(ListScope.MAINTENANCE, "t1", "job.", 8, "");
    assertThat(all.isLast()).isTrue();
    assertThat(all.records()).hasSize(8);
  }

  // ---- lifecycle and concurrency ----

  @Test
  void close_isIdempotent_andEveryCallAfterwardsThrowsStoreClosed() {
    store.save(rec("e1", Q, "k", "a"));
    store.close();
    store.close();
    assertThatThrownBy(() -> store.find(Q, "k")).isInstanceOf(StoreClosedException.class);
    assertThatThrownBy(() -> store.save(rec("e2", Q, "k", "a")))
        .isInstanceOf(StoreClosedException.class);
    assertThatThrownBy(() -> store.listKind(ListScope.MAINTENANCE, "k"))
        .isInstanceOf(StoreClosedException.class);
  }

  @Test
  void concurrentMixedOperations_haveNoErrors() throws Exception {
    int threads = 32;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int me = t;
      futures.add(
          pool.submit(
              () -> {
                Quadruple q = new Quadruple("t", "u" + (me % 4), "s", "");
                for (int i = 0; i < 16; i++) {
                  String kind = "k" + (i % 3);
                  String id = "e-" + me + "-" + i;
                  switch (i % 4) {
                    case 0 -> store.save(rec(id, q, kind, "v" + i));
                    case 1 -> store.find(q, kind);
                    case 2 -> store.listKindForIdentity(q, "k", 10);
                    default ->
                        store.saveIf(
                            List.of(SlotExpectation.absent(q, "own-" + me + "-" + i)),
                            rec(id, q, "own-" + me + "-" + i, "v"));
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(store.listKind(ListScope.MAINTENANCE, "own-")).hasSize(threads * 4);
  }

  static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
