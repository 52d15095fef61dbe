package dev.harbor.state.sqlite;

import static dev.harbor.state.testing.BackgroundCall.awaitUntil;
import static dev.harbor.state.testing.BackgroundCall.joinAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.sql.GroupCommit;
import dev.harbor.state.testing.BackgroundCall;
import dev.harbor.state.testing.GroupCommitScenarios;
import dev.harbor.state.testing.GroupCommitScenarios.WhileQueued;
import dev.harbor.state.testing.HeldFence;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
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
class SqliteGroupCommitTest implements GroupCommitScenarios {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "r");

  private Path dir;
  private SqliteStore driver;
  private StateStore store;
  private GroupCommit<SqliteGroupCommit.Named> group;
  private final List<HeldFence> fences = new ArrayList<>();

  @BeforeEach
  void open() {
    dir = TestFiles.newDirectory("harbor-group");
    open(Map.of());
  }

  /** Opens the store under test on the test's file, with options. */
  private void open(Map<String, String> options) {
    StateConfig config =
        StateConfig.builder()
            .driver("sqlite")
            .location(dir.resolve("g.db").toString())
            .options(options)
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
    fences.forEach(HeldFence::close); // a failed test must not leave a fence holding
    store.close();
    TestFiles.deleteRecursively(dir);
  }

  private static StateRecord record(String id, String kind, String bytes) {
    return StateRecord.of(EventId.of(id), Q, kind, bytes.getBytes(StandardCharsets.UTF_8));
  }

  /** The record a fence on {@code kind} expects; save it before starting the fence. */
  private static StateRecord fenced(String kind) {
    return record("fence-" + kind, kind, "f");
  }

  /** Starts a fence holding the write lock until released; the slot must hold {@link #fenced}. */
  private HeldFence startFence(String kind) {
    HeldFence fence = HeldFence.start(store, SlotExpectation.exact(Q, kind, fenced(kind).id()));
    fences.add(fence);
    return fence;
  }

  private HeldFence fence(String kind) throws InterruptedException {
    store.save(fenced(kind));
    return startFence(kind).holding();
  }

  /**
   * Starts a leader whose commit waits for the fence, then each call one at a time, each queued
   * before the next starts.
   */
  private List<BackgroundCall> queue(Runnable leader, List<Runnable> calls)
      throws InterruptedException {
    List<BackgroundCall> started = new ArrayList<>();
    BackgroundCall first = new BackgroundCall(leader);
    first.start();
    awaitUntil(() -> group.leaders() == 1 && driver.database().writersWaiting() == 1);
    started.add(first);
    for (Runnable r : calls) {
      int before = group.queued();
      BackgroundCall c = new BackgroundCall(r);
      c.start();
      awaitUntil(() -> group.queued() == before + 1);
      started.add(c);
    }
    return started;
  }

  private List<BackgroundCall> commitAsOneGroup(List<Runnable> calls) throws InterruptedException {
    return commitAsOneGroup(calls, queued -> {});
  }

  /**
   * Commits the calls as one group: a fence holds the write lock while a leader and then each call
   * queue ({@link #queue}); {@code whileQueued} runs before the fence is released.
   */
  @Override
  public List<BackgroundCall> commitAsOneGroup(List<Runnable> calls, WhileQueued whileQueued)
      throws InterruptedException {
    List<BackgroundCall> started;
    HeldFence fence = fence("fenced");
    try {
      started = queue(() -> store.save(record("lead", "lead", "l")), calls);
      whileQueued.run(started.subList(1, started.size()));
    } finally {
      fence.release();
    }
    joinAll(started);
    assertThat(started.get(0).failure()).as("the leader").isNull();
    return started.subList(1, started.size());
  }

  @Override
  public int queued() {
    return group.queued();
  }

  @Override
  public long groupsOfSize(int size) {
    return group.groupSizeCounts()[size];
  }

  @Override
  public StateStore store() {
    return store;
  }

  @Override
  public Quadruple at() {
    return Q;
  }

  @Test
  void conditionalWritesAndDeletesInOneGroup_keepTheirOwnOutcomes() throws Exception {
    StateRecord base = record("b1", "cas", "base");
    store.save(base);
    store.save(record("d1", "gone", "x"));
    StateRecord next = record("b2", "cas", "next");
    StateRecord stale = record("b3", "cas", "stale");
    List<BackgroundCall> started =
        commitAsOneGroup(
            List.of(
                () -> store.saveIf(List.of(SlotExpectation.exact(Q, "cas", base.id())), next),
                () -> store.saveIf(List.of(SlotExpectation.exact(Q, "cas", base.id())), stale),
                () -> store.delete(Q, "gone"),
                () -> {
                  if (store.deleteIf(SlotExpectation.exact(Q, "cas", base.id()))) {
                    throw new AssertionError("deleted a generation already replaced");
                  }
                }));
    assertThat(started.get(0).failure()).isNull();
    assertThat(started.get(1).failure()).isInstanceOf(ConditionFailedException.class);
    assertThat(started.get(2).failure()).isNull();
    assertThat(started.get(3).failure()).isNull();
    assertThat(store.load(Q, "cas").sameContent(next)).isTrue();
    assertThat(store.find(Q, "gone")).isEmpty();
    assertThat(group.groupSizeCounts()[4]).isEqualTo(1);
  }

  @Test
  void aCallerInterruptedWhileItsGroupCommits_getsCommitOutcomeUnknown() throws Exception {
    List<BackgroundCall> started;
    store.save(fenced("second")); // now, while nothing holds the write lock
    HeldFence first = fence("first");
    started =
        queue(
            () -> store.save(record("lead", "lead", "l")),
            List.of(
                () -> store.save(record("a", "a", "a")),
                () -> store.save(record("b", "b", "b")),
                () -> store.save(record("c", "c", "c"))));
    // A second fence queues for the write lock behind the leader (the lock is fair), so once the
    // leader has committed, the next group's leader waits for it with the group taken.
    HeldFence second = startFence("second");
    awaitUntil(() -> driver.database().writersWaiting() == 2);
    first.release();
    second.holding();
    awaitUntil(() -> group.queued() == 0 && driver.database().writersWaiting() == 1);
    BackgroundCall b = started.get(2);
    b.interrupt();
    b.join();
    assertThat(b.failure()).isInstanceOf(CommitOutcomeUnknownException.class);
    assertThat(b.endedInterrupted()).isTrue();
    second.release();
    joinAll(started);
    assertThat(started.get(1).failure()).isNull();
    assertThat(started.get(3).failure()).isNull();
    // Its write was in flight: the group committed it.
    assertThat(store.find(Q, "b")).isPresent();
  }

  /**
   * Issue 23, defect 4: a caller queued behind a leader and promoted to lead late (here its leader
   * is interrupted after the caller has waited most of its operationTimeout) commits within what is
   * left of its own call's time, not within a fresh operationTimeout. The write lock stays held by
   * a fence, so the promoted caller's commit waits until its time runs out.
   */
  @Test
  void aCallerPromotedToLeadLate_endsWithinItsOwnOperationTimeout() throws Exception {
    store.close();
    open(Map.of("operationTimeout", "3s"));
    HeldFence fence = fence("fenced");
    List<BackgroundCall> started =
        queue(
            () -> store.save(record("lead", "lead", "l")),
            List.of(() -> store.save(record("late", "late", "l"))));
    long queuedAt = System.nanoTime();
    BackgroundCall late = started.get(1);
    // Let the queued caller spend most of its time waiting, then take its leader away.
    Thread.sleep(1_500);
    started.get(0).interrupt();
    started.get(0).join();
    late.join();
    long tookMillis = (System.nanoTime() - queuedAt) / 1_000_000;
    fence.release();
    assertThat(started.get(0).failure()).isInstanceOf(OperationCancelledException.class);
    assertThat(late.failure())
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isTrue())
        .isNotInstanceOf(CommitOutcomeUnknownException.class);
    // Its one operationTimeout (3 s) from the start of its call, with generous slack; a fresh
    // deadline at its promotion would end it about 4.5 s after it queued.
    assertThat(tookMillis).isLessThan(3_800);
    assertThat(store.find(Q, "late")).isEmpty();
  }

  @Test
  void manyThreads_handOffWithoutLosingAWakeUp_andEveryWriteLands() throws Exception {
    int threads = 16;
    int perThread = 150;
    List<BackgroundCall> calls = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      calls.add(
          new BackgroundCall(
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
    assertThat(calls).allSatisfy(c -> assertThat(c.failure()).isNull());
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
