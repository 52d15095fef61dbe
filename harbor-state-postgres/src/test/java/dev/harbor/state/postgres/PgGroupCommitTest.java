package dev.harbor.state.postgres;

import static dev.harbor.state.testing.BackgroundCall.awaitUntil;
import static dev.harbor.state.testing.BackgroundCall.joinAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.Options;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.sql.GroupCommit;
import dev.harbor.state.testing.BackgroundCall;
import dev.harbor.state.testing.FaultProxy;
import dev.harbor.state.testing.GroupCommitScenarios;
import dev.harbor.state.testing.GroupCommitScenarios.WhileQueued;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Group commit on PostgreSQL, each group steered: the store borrows its connections through a gate
 * ({@link GatedDataSource}) that holds chosen threads, so a commit stays in flight exactly as long
 * as the test says, without waiting for a lock (a group never does). Two groups may be in flight at
 * once, and up to {@code ALONE_UP_TO} writers commit alone first, so the test holds that many lone
 * commits and two leaders while it queues the others one at a time, in the order it chooses;
 * releasing the first leader lets its successor take the whole queue as one group, and only then is
 * the rest released. Each caller's outcome is its own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS) // a hang guard; nothing here is timed
class PgGroupCommitTest extends DatabaseTest implements GroupCommitScenarios {

  private StateStore store;
  private FaultProxy proxy;
  private GroupCommit<PgGroupCommit.Write> group;
  private GatedDataSource gate;

  /** Creates the schema and its tables (a subclass: as their owner, for a role of its own). */
  void prepareSchema() {
    open().close();
  }

  /**
   * The steered store's pool (a subclass logs in as a role of its own).
   *
   * @param hc the pool's configuration, on the test server as its own user
   */
  void configurePool(HikariConfig hc) {}

  /**
   * The steered store's options.
   *
   * @return at least the schema
   */
  Map<String, String> storeOptions() {
    return Map.of("schema", schema);
  }

  @BeforeEach
  void openSteerableStore() {
    prepareSchema();
    HikariConfig hc = TestServer.poolConfig(2 * PgGroupCommit.ALONE_UP_TO + 4);
    configurePool(hc);
    proxy = track(FaultProxy.inFrontOf(hc.getJdbcUrl())); // passes all, unless a test arms it
    hc.setJdbcUrl(proxy.location(hc.getJdbcUrl()));
    gate = new GatedDataSource(track(new HikariDataSource(hc)));
    StateConfig config = StateConfig.builder().driver("postgres").options(storeOptions()).build();
    PgSettings settings = PgSettings.from(Options.of(config, PgSettings.BORROWED_TABLE), false);
    StoreContext context =
        new StoreContext("postgres", settings.maxPayloadBytes(), Clock.systemUTC());
    PgStore driver =
        new PgStore(
            new PgDatabase(gate, null, context, settings.operationTimeout()), settings, context);
    store = track(StoreCore.open(context, driver));
    group = Objects.requireNonNull(driver.groups()).group();
  }

  @AfterEach
  void openTheGate() {
    gate.openForAll(); // a failed test must not leave a commit held
  }

  private BackgroundCall firstLeader;
  private final List<BackgroundCall> othersHeld = new ArrayList<>();

  /** Starts a save of a free slot whose commit the gate holds; waits until it is held. */
  private BackgroundCall held(String slot) throws InterruptedException {
    BackgroundCall c = new BackgroundCall(() -> store.save(record("held-" + slot, slot, "h")));
    gate.hold(c);
    int before = gate.waiting();
    c.start();
    awaitUntil(() -> gate.waiting() == before + 1);
    return c;
  }

  /**
   * Holds the lone commits (up to {@code ALONE_UP_TO} concurrent writers each commit alone) and the
   * two groups that may then be in flight, then starts each call one at a time, each queued before
   * the next starts.
   *
   * @param holdHead whether the first call's thread is held too once it borrows (so the group it
   *     leads stays in flight)
   * @return the calls started
   */
  List<BackgroundCall> queue(List<Runnable> calls, boolean holdHead) throws InterruptedException {
    for (int i = 1; i <= PgGroupCommit.ALONE_UP_TO; i++) {
      othersHeld.add(held("alone" + i));
    }
    assertThat(group.leaders()).as("lone commits lead nobody").isZero();
    firstLeader = held("leader1");
    othersHeld.add(held("leader2"));
    assertThat(group.leaders()).isEqualTo(2);
    List<BackgroundCall> started = new ArrayList<>();
    for (Runnable r : calls) {
      int before = group.queued();
      BackgroundCall c = new BackgroundCall(r);
      if (holdHead && started.isEmpty()) {
        gate.hold(c);
      }
      c.start();
      awaitUntil(() -> group.queued() == before + 1);
      started.add(c);
    }
    assertThat(group.queued()).isEqualTo(calls.size());
    return started;
  }

  /**
   * Lets the queued calls commit as one group: the first leader ends and its successor takes the
   * whole queue; only then do the other held commits end (else the second leader's successor could
   * take part of the queue).
   */
  private void releaseAsOneGroup() throws InterruptedException {
    gate.release(firstLeader);
    awaitUntil(() -> group.queued() == 0);
    gate.openForAll();
  }

  /** Waits for the held commits, which must have succeeded. */
  private void joinHeld() throws InterruptedException {
    joinAll(othersHeld);
    firstLeader.join();
    assertThat(othersHeld).allSatisfy(c -> assertThat(c.failure()).isNull());
    assertThat(firstLeader.failure()).isNull();
  }

  /**
   * Commits the calls as one group ({@link #queue}, then {@link #releaseAsOneGroup}); {@code
   * whileQueued} runs before the group may commit.
   */
  @Override
  public List<BackgroundCall> commitAsOneGroup(List<Runnable> calls, WhileQueued whileQueued)
      throws InterruptedException {
    List<BackgroundCall> queued = queue(calls, false);
    whileQueued.run(queued);
    releaseAsOneGroup();
    joinAll(queued);
    joinHeld();
    return queued;
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

  /**
   * SPEC 9.3: a group of 40 saves of distinct sessions needs 80 advisory locks; it commits in parts
   * of at most 32, so no transaction of it holds more than 64 lock table entries. Failed before:
   * the group's one transaction held 80 advisory locks.
   */
  @Test
  void aGroupOfManySessions_holdsAtMost64LockEntries() throws Exception {
    List<Runnable> saves = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Quadruple q = new Quadruple("tenant", "user", "s" + i, "run");
      saves.add(
          () ->
              store.save(
                  StateRecord.of(
                      EventId.of("many-" + q.sessionId()),
                      q,
                      "paused",
                      "m".getBytes(StandardCharsets.UTF_8))));
    }
    try (LockPause pause = new LockPause(schema, "ROW.kind = 'paused'")) {
      List<BackgroundCall> queued = queue(saves, false);
      releaseAsOneGroup();
      pause.assertPausedFootprint(
          CompletableFuture.runAsync(
              () -> {
                try {
                  joinAll(queued);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }));
      pause.release();
      joinAll(queued);
      joinHeld();
      assertThat(queued).allSatisfy(c -> assertThat(c.failure()).isNull());
      assertThat(group.groupSizeCounts()[40]).isEqualTo(1);
    }
  }

  @Test
  void deletesAndAnEventIdMovingBetweenSlotsInOneGroup_endAsOneAfterAnother() throws Exception {
    store.save(record("m1", "from", "moving"));
    store.save(record("d1", "gone", "x"));
    StateRecord replacing = record("m2", "from", "replacing");
    StateRecord moved = record("m1", "to", "moved");
    List<BackgroundCall> ended =
        commitAsOneGroup(
            List.of(
                () -> store.save(replacing), // m1 is forgotten...
                () -> store.save(moved), // ...so it may name another slot now
                () -> store.delete(Q, "gone"),
                () -> store.save(record("d2", "gone", "back")),
                () -> store.delete(Q, "gone"),
                () -> store.delete(Q, "never")),
            queued -> {});
    assertThat(ended).allSatisfy(c -> assertThat(c.failure()).isNull());
    assertThat(store.load(Q, "from").sameContent(replacing)).isTrue();
    assertThat(store.load(Q, "to").sameContent(moved)).isTrue();
    assertThat(store.find(Q, "gone")).isEmpty();
    assertThat(store.findByEventId(EventId.of("d2"))).isEmpty();
    assertThat(group.groupSizeCounts()[6]).isEqualTo(1);
  }

  @Test
  void aCallerInterruptedWhileItsGroupCommits_getsCommitOutcomeUnknown() throws Exception {
    // a leads the group of a, b and c, and the gate holds it once a has taken the group
    List<BackgroundCall> started =
        queue(
            List.of(
                () -> store.save(record("a", "a", "a")),
                () -> store.save(record("b", "b", "b")),
                () -> store.save(record("c", "c", "c"))),
            true);
    gate.release(firstLeader);
    firstLeader.join();
    awaitUntil(() -> group.queued() == 0); // the group of a, b and c is taken, its commit held
    BackgroundCall b = started.get(1);
    b.interrupt();
    b.join();
    assertThat(b.failure()).isInstanceOf(CommitOutcomeUnknownException.class);
    assertThat(b.endedInterrupted()).isTrue();
    gate.openForAll();
    joinAll(started);
    joinHeld();
    assertThat(started.get(0).failure()).isNull();
    assertThat(started.get(2).failure()).isNull();
    assertThat(store.find(Q, "b")).isPresent(); // it was in flight: the group committed it
  }

  /**
   * A group whose commit reached the server while its answer was lost (issue 23 defect 1), in both
   * of the group's paths: saves of distinct slots (one statement) and a group with a delete (read,
   * then write). Another instance, connected directly, overwrites a slot of the group and is
   * acknowledged before the connection is cut: the group must not be applied again over it, and
   * since the server can tell the group's transaction committed, every member succeeds.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"distinct saves", "with a delete"})
  void aGroupWhoseCommitAnswerWasLost_isNotAppliedAgainOverANewerAcknowledgedWrite(String path)
      throws Exception {
    StateStore other = open();
    store.save(record("B0", "b", "b0"));
    boolean fast = path.equals("distinct saves");
    // The group of A1 and B1 is taken by its leader, whom the gate holds; only then is the fault
    // armed (the held lone commits and the first leader run the same statement).
    List<BackgroundCall> members =
        queue(
            List.of(
                () -> store.save(record("A1", "a", "lost answer")),
                fast ? () -> store.save(record("B1", "b", "b1")) : () -> store.delete(Q, "b")),
            true);
    gate.release(firstLeader);
    firstLeader.join();
    awaitUntil(() -> group.queued() == 0);
    FaultProxy.Trap lost =
        fast
            ? proxy.loseCommitAnswer("WITH input AS", "\"" + schema + "\"")
            : proxy.loseCommitAnswer("DELETE FROM \"" + schema + "\"", "USING");
    StateRecord newer = record("A2", "a", "newer");
    BackgroundCall overwrite =
        new BackgroundCall(
            () -> {
              try {
                assertThat(lost.awaitLost(Duration.ofSeconds(30))).isTrue();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              assertThat(lost.committed()).isTrue();
              other.save(newer); // acknowledged while the group waits for its answer
              lost.cut();
            });
    overwrite.start();
    gate.release(members.get(0));
    overwrite.join();
    assertThat(overwrite.failure()).isNull();
    joinAll(members);
    gate.openForAll();
    joinHeld();
    assertThat(other.load(Q, "a").sameContent(newer)).as("the newer write stays").isTrue();
    if (fast) {
      assertThat(other.load(Q, "b").id().value()).isEqualTo("B1");
    } else {
      assertThat(other.find(Q, "b")).isEmpty();
    }
    assertThat(members)
        .as("the group's transaction committed, so each member succeeds")
        .allSatisfy(c -> assertThat(c.failure()).isNull());
  }
}
