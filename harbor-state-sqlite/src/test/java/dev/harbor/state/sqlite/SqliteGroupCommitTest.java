package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.sql.GroupCommit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sqlite.SQLiteConnection;

/**
 * Group commit on SQLite, each group steered: a {@code fenceIf} whose action waits on a latch holds
 * the database's write lock, so the first caller's commit stays in flight while the test queues the
 * others one at a time, in the order it chooses; releasing the fence lets them commit as one group.
 * Each caller's outcome is its own.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS) // a hang guard; nothing here is timed
class SqliteGroupCommitTest {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "r");

  private Path dir;
  private SqliteStore driver;
  private StateStore store;
  private GroupCommit<SqliteGroupCommit.Named> group;
  private final List<Fence> fences = new ArrayList<>();

  @BeforeEach
  void open() {
    dir = TestFiles.newDirectory("harbor-group");
    StateConfig config =
        StateConfig.builder()
            .driver("sqlite")
            .location(dir.resolve("g.db").toString())
            .options(Map.of())
            .build();
    SqliteSettings settings = SqliteSettings.parse(config);
    StoreContext context =
        new StoreContext(
            "sqlite", "sqlite database g.db", settings.maxPayloadBytes(), Clock.systemUTC());
    driver = SqliteStore.open(settings, context);
    store = StoreCore.open(context, driver);
    group = Objects.requireNonNull(driver.groups()).group();
  }

  @AfterEach
  void close() {
    fences.forEach(f -> f.release.countDown()); // a failed test must not leave a fence holding
    store.close();
    TestFiles.deleteRecursively(dir);
  }

  private static StateRecord record(String id, String kind, String bytes) {
    return StateRecord.of(EventId.of(id), Q, kind, bytes.getBytes(StandardCharsets.UTF_8));
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    while (!condition.getAsBoolean()) {
      Thread.sleep(1);
    }
  }

  /** A call on its own thread and what it got: null for success, else the exception. */
  private static final class Call extends Thread {
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Runnable body;
    volatile boolean interruptedAfter;

    Call(Runnable body) {
      this.body = body;
      setDaemon(true);
    }

    @Override
    public void run() {
      try {
        body.run();
      } catch (RuntimeException e) {
        failure.set(e);
      }
      interruptedAfter = Thread.currentThread().isInterrupted();
    }
  }

  /** The record a fence on {@code kind} expects; save it before starting the fence. */
  private static StateRecord fenced(String kind) {
    return record("fence-" + kind, kind, "f");
  }

  /** A fence holding the write lock until released. */
  private final class Fence {
    final CountDownLatch running = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final Call call;

    /** Starts a fence of the slot {@code kind}, which must hold the record {@link #fenced}. */
    Fence(String kind) {
      fences.add(this);
      StateRecord fenced = fenced(kind);
      call =
          new Call(
              () ->
                  store.fenceIf(
                      SlotExpectation.exact(Q, kind, fenced.id()),
                      () -> {
                        running.countDown();
                        try {
                          release.await();
                        } catch (InterruptedException e) {
                          throw new IllegalStateException(e);
                        }
                      }));
      call.start();
    }

    Fence holding() throws InterruptedException {
      running.await();
      return this;
    }

    void release() throws InterruptedException {
      release.countDown();
      call.join();
      assertThat(call.failure.get()).isNull();
    }
  }

  private Fence fence(String kind) throws InterruptedException {
    store.save(fenced(kind));
    return new Fence(kind).holding();
  }

  /**
   * Starts a leader whose commit waits for the fence, then each call one at a time, each queued
   * before the next starts.
   */
  private List<Call> queue(Runnable leader, List<Runnable> calls) throws InterruptedException {
    List<Call> started = new ArrayList<>();
    Call first = new Call(leader);
    first.start();
    await(() -> group.leaders() == 1 && driver.database().writersWaiting() == 1);
    started.add(first);
    for (Runnable r : calls) {
      int before = group.queued();
      Call c = new Call(r);
      c.start();
      await(() -> group.queued() == before + 1);
      started.add(c);
    }
    return started;
  }

  private static void joinAll(List<Call> calls) throws InterruptedException {
    for (Call c : calls) {
      c.join();
    }
  }

  @Test
  void aConflictInTheMiddleOfAGroupOf32_failsOnlyThatCaller() throws Exception {
    store.save(record("taken", "elsewhere", "x"));
    List<Runnable> calls = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      int n = i;
      calls.add(
          () ->
              store.save(
                  n == 15
                      ? record("taken", "k" + n, "other slot, so a conflict")
                      : record("e" + n, "k" + n, "v" + n)));
    }
    List<Call> started;
    Fence fence = fence("fenced");
    try {
      started = queue(() -> store.save(record("lead", "lead", "l")), calls);
    } finally {
      fence.release();
    }
    joinAll(started);
    for (int i = 0; i < 32; i++) {
      Throwable f = started.get(i + 1).failure.get();
      if (i == 15) {
        assertThat(f).isInstanceOf(IdempotencyConflictException.class);
        assertThat(store.find(Q, "k15")).isEmpty();
      } else {
        assertThat(f).as("call %d", i).isNull();
        assertThat(store.load(Q, "k" + i).id()).isEqualTo(EventId.of("e" + i));
      }
    }
    assertThat(store.load(Q, "elsewhere").id()).isEqualTo(EventId.of("taken"));
    assertThat(group.groupSizeCounts()[32]).isEqualTo(1); // the 32 shared one commit
  }

  @Test
  void aReplayAndAnOverwriteOfOneSlotInOneGroup_applyInArrivalOrder() throws Exception {
    StateRecord first = record("e1", "slot", "one");
    StateRecord second = record("e2", "slot", "two");
    List<Call> started;
    Fence fence = fence("fenced");
    try {
      started =
          queue(
              () -> store.save(record("lead", "lead", "l")),
              List.of(
                  () -> store.save(first),
                  () -> store.save(first), // a replay of the write just before it
                  () -> store.save(second), // overwrites the slot; e1 is forgotten
                  () -> store.save(record("n1", "same", "a")),
                  () -> store.save(record("n1", "same", "a")), // same new id, same content
                  () -> store.save(record("n2", "diff", "a")),
                  () -> store.save(record("n2", "diff", "b")))); // same new id, other content
    } finally {
      fence.release();
    }
    joinAll(started);
    assertThat(started.subList(1, 7)).allSatisfy(c -> assertThat(c.failure.get()).isNull());
    assertThat(started.get(7).failure.get()).isInstanceOf(IdempotencyConflictException.class);
    assertThat(store.load(Q, "slot").sameContent(second)).isTrue();
    assertThat(store.findByEventId(EventId.of("e1"))).isEmpty();
    assertThat(store.load(Q, "diff").bytes()).isEqualTo("a".getBytes(StandardCharsets.UTF_8));
    assertThat(group.groupSizeCounts()[7]).isEqualTo(1);
  }

  @Test
  void conditionalWritesAndDeletesInOneGroup_keepTheirOwnOutcomes() throws Exception {
    StateRecord base = record("b1", "cas", "base");
    store.save(base);
    store.save(record("d1", "gone", "x"));
    StateRecord next = record("b2", "cas", "next");
    StateRecord stale = record("b3", "cas", "stale");
    List<Call> started;
    Fence fence = fence("fenced");
    try {
      started =
          queue(
              () -> store.save(record("lead", "lead", "l")),
              List.of(
                  () -> store.saveIf(List.of(SlotExpectation.exact(Q, "cas", base.id())), next),
                  () -> store.saveIf(List.of(SlotExpectation.exact(Q, "cas", base.id())), stale),
                  () -> store.delete(Q, "gone"),
                  () -> {
                    if (store.deleteIf(SlotExpectation.exact(Q, "cas", base.id()))) {
                      throw new AssertionError("deleted a generation already replaced");
                    }
                  }));
    } finally {
      fence.release();
    }
    joinAll(started);
    assertThat(started.get(1).failure.get()).isNull();
    assertThat(started.get(2).failure.get()).isInstanceOf(ConditionFailedException.class);
    assertThat(started.get(3).failure.get()).isNull();
    assertThat(started.get(4).failure.get()).isNull();
    assertThat(store.load(Q, "cas").sameContent(next)).isTrue();
    assertThat(store.find(Q, "gone")).isEmpty();
    assertThat(group.groupSizeCounts()[4]).isEqualTo(1);
  }

  @Test
  void aCallerInterruptedWhileQueued_isRemoved_andItsWriteNeverApplied() throws Exception {
    List<Call> started;
    Fence fence = fence("fenced");
    try {
      started =
          queue(
              () -> store.save(record("lead", "lead", "l")),
              List.of(
                  () -> store.save(record("a", "a", "a")),
                  () -> store.save(record("b", "b", "b")),
                  () -> store.save(record("c", "c", "c"))));
      Call b = started.get(2);
      b.interrupt();
      b.join();
      assertThat(b.failure.get()).isInstanceOf(OperationCancelledException.class);
      assertThat(b.interruptedAfter).isTrue();
      assertThat(group.queued()).isEqualTo(2);
    } finally {
      fence.release();
    }
    joinAll(started);
    assertThat(started.get(1).failure.get()).isNull();
    assertThat(started.get(3).failure.get()).isNull();
    assertThat(store.find(Q, "a")).isPresent();
    assertThat(store.find(Q, "b")).isEmpty();
    assertThat(store.find(Q, "c")).isPresent();
  }

  @Test
  void aCallerInterruptedWhileItsGroupCommits_getsCommitOutcomeUnknown() throws Exception {
    List<Call> started;
    store.save(fenced("second")); // now, while nothing holds the write lock
    Fence first = fence("first");
    started =
        queue(
            () -> store.save(record("lead", "lead", "l")),
            List.of(
                () -> store.save(record("a", "a", "a")),
                () -> store.save(record("b", "b", "b")),
                () -> store.save(record("c", "c", "c"))));
    // A second fence queues for the write lock behind the leader (the lock is fair), so once the
    // leader has committed, the next group's leader waits for it with the group taken.
    Fence second = new Fence("second");
    await(() -> driver.database().writersWaiting() == 2);
    first.release();
    second.holding();
    await(() -> group.queued() == 0 && driver.database().writersWaiting() == 1);
    Call b = started.get(2);
    b.interrupt();
    b.join();
    assertThat(b.failure.get()).isInstanceOf(CommitOutcomeUnknownException.class);
    assertThat(b.interruptedAfter).isTrue();
    second.release();
    joinAll(started);
    assertThat(started.get(1).failure.get()).isNull();
    assertThat(started.get(3).failure.get()).isNull();
    // Its write was in flight: the group committed it.
    assertThat(store.find(Q, "b")).isPresent();
  }

  @Test
  void manyThreads_handOffWithoutLosingAWakeUp_andEveryWriteLands() throws Exception {
    int threads = 16;
    int perThread = 150;
    List<Call> calls = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      calls.add(
          new Call(
              () -> {
                for (int i = 0; i < perThread; i++) {
                  store.save(record("w" + id + "-" + i, "k" + id, "v" + i));
                  if (i % 10 == 0) {
                    store.delete(Q, "k" + id);
                  }
                }
              }));
    }
    calls.forEach(Thread::start);
    joinAll(calls);
    assertThat(calls).allSatisfy(c -> assertThat(c.failure.get()).isNull());
    for (int t = 0; t < threads; t++) {
      assertThat(store.load(Q, "k" + t).id())
          .isEqualTo(EventId.of("w" + t + "-" + (perThread - 1)));
    }
    assertThat(group.leaders()).isZero();
  }

  @Test
  void theWriteConnectionRunsNoGeneratedKeysQueryAfterAnInsert() {
    // A leader runs each member's upsert in series; sqlite-jdbc's generated keys would add a
    // prepared "SELECT last_insert_rowid()" to every one of them.
    boolean generatedKeys =
        driver
            .database()
            .write(
                "test",
                c -> c.unwrap(SQLiteConnection.class).getConnectionConfig().isGetGeneratedKeys());
    assertThat(generatedKeys).isFalse();
  }
}
