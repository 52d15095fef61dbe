package dev.harbor.state.postgres;

import static dev.harbor.state.testing.BackgroundCall.awaitUntil;
import static dev.harbor.state.testing.BackgroundCall.joinAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
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
import dev.harbor.state.testing.HeldFence;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Group commit on PostgreSQL, each group steered: a {@code fenceIf} whose action waits on a latch
 * holds its slot's advisory lock, so a leader saving that slot keeps its commit in flight. Two
 * groups may be in flight at once, so two leaders are held, on two fences, while the test queues
 * the others one at a time, in the order it chooses; releasing the first fence lets its leader's
 * successor take the whole queue as one group, and only then is the second released. Each caller's
 * outcome is its own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS) // a hang guard; nothing here is timed
class PgGroupCommitTest extends DatabaseTest implements GroupCommitScenarios {

  private StateStore store;
  private FaultProxy proxy;
  private GroupCommit<PgGroupCommit.Write> group;
  private final List<HeldFence> fences = new ArrayList<>();

  @BeforeEach
  void openSteerableStore() {
    open().close(); // creates the schema and its tables
    HikariConfig hc =
        TestServer.poolConfig(2 * PgGroupCommit.ALONE_UP_TO + 4); // a fence and a saver per leader
    proxy = track(FaultProxy.inFrontOf(hc.getJdbcUrl())); // passes all, unless a test arms it
    hc.setJdbcUrl(proxy.location(hc.getJdbcUrl()));
    HikariDataSource pool = track(new HikariDataSource(hc));
    StateConfig config =
        StateConfig.builder().driver("postgres").options(Map.of("schema", schema)).build();
    PgSettings settings = PgSettings.from(Options.of(config, PgSettings.BORROWED_TABLE), false);
    StoreContext context =
        new StoreContext("postgres", settings.maxPayloadBytes(), Clock.systemUTC());
    PgStore driver =
        new PgStore(
            new PgDatabase(pool, null, context, settings.operationTimeout()), settings, context);
    store = track(StoreCore.open(context, driver));
    group = Objects.requireNonNull(driver.groups()).group();
  }

  @AfterEach
  void releaseFences() {
    fences.forEach(HeldFence::close); // a failed test must not leave a fence holding
  }

  /** Fences a slot (saving its record first) until the fence is released. */
  private HeldFence fence(String kind) throws InterruptedException {
    StateRecord fenced = record("fence-" + kind, kind, "f");
    store.save(fenced);
    HeldFence fence = HeldFence.start(store, SlotExpectation.exact(Q, kind, fenced.id()));
    fences.add(fence);
    return fence.holding();
  }

  private HeldFence firstFence;
  private HeldFence secondFence;

  /**
   * Holds both groups that may be in flight under load: first writers that commit alone (up to
   * {@code ALONE_UP_TO} concurrent writers each do), then a leader saving each of two fenced slots
   * (each commit waits for its fence); then starts each call one at a time, each queued before the
   * next starts; then lets the two lone commits end, which leaves the queue to the two fenced
   * leaders.
   *
   * @param firstSlot the slot of the first fence
   * @param secondSlot the slot of the second fence
   * @return the calls started: the two leaders, then {@code calls}
   */
  private List<BackgroundCall> queue(String firstSlot, String secondSlot, List<Runnable> calls)
      throws InterruptedException {
    firstFence = fence(firstSlot);
    secondFence = fence(secondSlot);
    // Up to ALONE_UP_TO concurrent writers each commit alone: as many lone commits, held by fences
    // of their own until every call has queued, make every later caller queue.
    List<HeldFence> aloneFences = new ArrayList<>();
    List<BackgroundCall> alone = new ArrayList<>();
    for (int i = 1; i <= PgGroupCommit.ALONE_UP_TO - 2; i++) {
      String slot = "alone" + i;
      aloneFences.add(fence(slot));
      int leaders = group.leaders() + 1;
      BackgroundCall c = new BackgroundCall(() -> store.save(record("lead-" + slot, slot, "l")));
      c.start();
      awaitUntil(() -> group.leaders() == leaders);
      alone.add(c);
    }
    List<BackgroundCall> started = new ArrayList<>();
    int n = 0;
    for (String slot : List.of(firstSlot, secondSlot)) {
      int leaders = PgGroupCommit.ALONE_UP_TO - 2 + ++n;
      BackgroundCall leader =
          new BackgroundCall(() -> store.save(record("lead" + leaders, slot, "l")));
      leader.start();
      awaitUntil(() -> group.leaders() == leaders);
      started.add(leader);
    }
    for (Runnable r : calls) {
      int before = group.queued();
      BackgroundCall c = new BackgroundCall(r);
      c.start();
      awaitUntil(() -> group.queued() == before + 1);
      started.add(c);
    }
    // The lone commits end; being leaders beyond the two, they leave the queue to the fenced two.
    for (HeldFence f : aloneFences) {
      f.release();
    }
    joinAll(alone);
    assertThat(group.leaders()).isEqualTo(2);
    assertThat(group.queued()).isEqualTo(calls.size());
    return started;
  }

  private List<BackgroundCall> queue(List<Runnable> calls) throws InterruptedException {
    return queue("fenced", "fenced2", calls);
  }

  /**
   * Lets the queued calls commit as one group: the first leader ends and its successor takes the
   * whole queue; only then does the second leader end (else it could take part of the queue).
   */
  private void releaseAsOneGroup() throws InterruptedException {
    firstFence.release();
    awaitUntil(() -> group.queued() == 0);
    secondFence.release();
  }

  /**
   * Commits the calls as one group ({@link #queue}, then {@link #releaseAsOneGroup}); {@code
   * whileQueued} runs before the group may commit.
   */
  @Override
  public List<BackgroundCall> commitAsOneGroup(List<Runnable> calls, WhileQueued whileQueued)
      throws InterruptedException {
    List<BackgroundCall> started = queue(calls);
    List<BackgroundCall> queued = started.subList(2, started.size());
    whileQueued.run(queued);
    releaseAsOneGroup();
    joinAll(started);
    assertThat(started.subList(0, 2))
        .as("the two leaders")
        .allSatisfy(c -> assertThat(c.failure()).isNull());
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
    // a's slot is the second fence's: the group of a, b and c waits for it once taken
    List<BackgroundCall> started =
        queue(
            "first",
            "second",
            List.of(
                () -> store.save(record("a", "second", "a")),
                () -> store.save(record("b", "b", "b")),
                () -> store.save(record("c", "c", "c"))));
    firstFence.release();
    started.get(0).join();
    awaitUntil(() -> group.queued() == 0); // the group of a, b and c is taken, its commit waiting
    BackgroundCall b = started.get(3);
    b.interrupt();
    b.join();
    assertThat(b.failure()).isInstanceOf(CommitOutcomeUnknownException.class);
    assertThat(b.endedInterrupted()).isTrue();
    secondFence.release();
    joinAll(started);
    assertThat(started.get(1).failure()).isNull();
    assertThat(started.get(2).failure()).isNull();
    assertThat(started.get(4).failure()).isNull();
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
    List<BackgroundCall> members =
        commitAsOneGroup(
            List.of(
                () -> store.save(record("A1", "a", "lost answer")),
                fast ? () -> store.save(record("B1", "b", "b1")) : () -> store.delete(Q, "b")),
            queued -> overwrite.start());
    overwrite.join();
    assertThat(overwrite.failure()).isNull();
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
