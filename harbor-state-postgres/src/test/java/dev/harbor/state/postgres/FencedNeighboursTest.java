package dev.harbor.state.postgres;

import static dev.harbor.state.testing.BackgroundCall.awaitUntil;
import static dev.harbor.state.testing.BackgroundCall.joinAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.Options;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.sql.GroupCommit;
import dev.harbor.state.testing.BackgroundCall;
import dev.harbor.state.testing.HeldFence;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 23, defects 4 and 5, on PostgreSQL: group commit must neither let a fenced slot hold up
 * saves of other slots (CONTRACT.md 4.7, 4.2) nor give a caller promoted late to lead a fresh
 * operationTimeout (4.13). Fences are held from another store instance, as another node's would be;
 * commits in flight are held where the store borrows its connection (a gate the test opens), never
 * on a lock the group would wait for.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS) // a hang guard; the bounds below are the contract's
class FencedNeighboursTest extends DatabaseTest {

  private StateStore store;
  private GroupCommit<PgGroupCommit.Write> group;
  private GatedDataSource gate;
  private String applicationName;
  private final List<HeldFence> fences = new ArrayList<>();

  @AfterEach
  void releaseFences() {
    fences.forEach(HeldFence::close); // a failed test must not leave a fence holding
    if (gate != null) {
      gate.openForAll();
    }
  }

  /** Opens the store under test on a pool of its own, behind a gate, with an operationTimeout. */
  private void openStore(String operationTimeout) {
    openStore(operationTimeout, "on");
  }

  private void openStore(String operationTimeout, String groupCommit) {
    open().close(); // creates the schema and its tables
    applicationName = "harbor-" + schema;
    HikariConfig hc = TestServer.poolConfig(24);
    hc.addDataSourceProperty("ApplicationName", applicationName);
    gate = new GatedDataSource(track(new HikariDataSource(hc)));
    StateConfig config =
        StateConfig.builder()
            .driver("postgres")
            .options(
                Map.of(
                    "schema",
                    schema,
                    "operationTimeout",
                    operationTimeout,
                    "groupCommit",
                    groupCommit))
            .build();
    PgSettings settings = PgSettings.from(Options.of(config, PgSettings.BORROWED_TABLE), false);
    StoreContext context =
        new StoreContext("postgres", settings.maxPayloadBytes(), Clock.systemUTC());
    PgStore driver =
        new PgStore(
            new PgDatabase(gate, null, context, settings.operationTimeout()), settings, context);
    store = track(StoreCore.open(context, driver));
    PgGroupCommit groups = driver.groups();
    group = groups == null ? null : groups.group();
  }

  /** Fences a slot from another store instance (saving its record first) until released. */
  private HeldFence fence(StateStore fencing, String kind) throws InterruptedException {
    StateRecord held = record("held-" + kind, kind, "f");
    fencing.save(held);
    HeldFence fence = HeldFence.start(fencing, SlotExpectation.exact(Q, kind, held.id()));
    fences.add(fence);
    return fence.holding();
  }

  /** How many of the store's connections wait for a lock in the server. */
  private int waitingForLocks() {
    try (Connection c = TestPostgres.connect();
        PreparedStatement p =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?"
                    + " AND wait_event_type = 'Lock'")) {
      p.setString(1, applicationName);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Starts saves of free slots whose connections the gate holds, one at a time, until one of them
   * queues for a group instead of committing: from then on, every further caller queues too.
   *
   * @return the held calls, the queued one last
   */
  private List<BackgroundCall> holdUntilOneQueues() throws InterruptedException {
    List<BackgroundCall> held = new ArrayList<>();
    for (int i = 1; group.queued() == 0; i++) {
      String slot = "held" + i;
      BackgroundCall c = new BackgroundCall(() -> store.save(record("held-" + slot, slot, "h")));
      gate.hold(c);
      c.start();
      int before = held.size();
      awaitUntil(() -> gate.waiting() == before + 1 || group.queued() == 1);
      held.add(c);
    }
    return held;
  }

  /**
   * Eight callers commit alone, each on one of two fenced slots, so each waits for its fence; six
   * callers of other slots arrive meanwhile. They must commit while the fences still hold: nothing
   * they wait for is held.
   */
  @Test
  void savesOfOtherSlots_doNotWaitBehindLoneCommitsOfFencedSlots() throws Exception {
    openStore("10s");
    StateStore fencing = open();
    fence(fencing, "fenced1");
    fence(fencing, "fenced2");
    List<BackgroundCall> fenced = new ArrayList<>();
    for (int i = 0; i < PgGroupCommit.ALONE_UP_TO; i++) {
      String slot = "fenced" + (1 + i % 2);
      StateRecord r = record("f" + i, slot, "f");
      fenced.add(BackgroundCall.start(() -> store.save(r)));
    }
    awaitUntil(() -> waitingForLocks() == PgGroupCommit.ALONE_UP_TO);
    List<BackgroundCall> others = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      StateRecord r = record("o" + i, "other" + i, "o");
      others.add(BackgroundCall.start(() -> store.save(r)));
    }
    for (BackgroundCall c : others) {
      c.join(3_000); // well within their operationTimeout of 10 s
    }
    assertThat(others)
        .as("saves of unfenced slots, while the fences hold")
        .allSatisfy(
            c -> {
              assertThat(c.isAlive()).isFalse();
              assertThat(c.failure()).isNull();
            });
    assertThat(fenced).allSatisfy(c -> assertThat(c.isAlive()).isTrue());
    for (HeldFence f : fences) {
      f.release();
    }
    joinAll(fenced);
    assertThat(fenced).allSatisfy(c -> assertThat(c.failure()).isNull());
    for (int i = 0; i < 6; i++) {
      assertThat(store.load(Q, "other" + i).id().value()).isEqualTo("o" + i);
    }
  }

  /**
   * One group of six: two members save fenced slots, four save free ones. The four commit at once;
   * the two wait for their own fences only, and commit once those end.
   */
  @Test
  void aGroupWithMembersOnFencedSlots_commitsTheOthersAtOnce() throws Exception {
    openStore("10s");
    StateStore fencing = open();
    fence(fencing, "fenced1");
    fence(fencing, "fenced2");
    List<BackgroundCall> held = holdUntilOneQueues();
    BackgroundCall head = held.get(held.size() - 1);
    gate.release(head); // it leads the group once promoted, and its commit goes through
    List<StateRecord> writes =
        List.of(
            record("g1", "fenced1", "g"),
            record("g2", "free1", "g"),
            record("g3", "free2", "g"),
            record("g4", "fenced2", "g"),
            record("g5", "free3", "g"));
    List<BackgroundCall> members = new ArrayList<>();
    for (StateRecord r : writes) {
      int before = group.queued();
      members.add(BackgroundCall.start(() -> store.save(r)));
      awaitUntil(() -> group.queued() == before + 1);
    }
    gate.openForAll(); // the held commits end; one of their leaders promotes the head
    List<BackgroundCall> free = List.of(head, members.get(1), members.get(2), members.get(4));
    for (BackgroundCall c : free) {
      c.join(3_000); // well within their operationTimeout of 10 s
    }
    assertThat(free)
        .as("members of free slots, while the fences hold")
        .allSatisfy(
            c -> {
              assertThat(c.isAlive()).isFalse();
              assertThat(c.failure()).isNull();
            });
    assertThat(members.get(0).isAlive()).isTrue();
    assertThat(members.get(3).isAlive()).isTrue();
    for (HeldFence f : fences) {
      f.release();
    }
    joinAll(members);
    joinAll(held);
    assertThat(members).allSatisfy(c -> assertThat(c.failure()).isNull());
    assertThat(held).allSatisfy(c -> assertThat(c.failure()).isNull());
    for (StateRecord r : writes) {
      assertThat(store.load(Q, r.kind()).id()).isEqualTo(r.id());
    }
  }

  /**
   * A caller queued while both groups' commits are held, promoted to lead only after it has waited
   * half its operationTimeout, saves a fenced slot: its call ends within its one operationTimeout
   * (from the call's start) with a transient failure, having changed nothing.
   */
  @Test
  void aCallerPromotedToLeadLate_endsWithinItsOwnOperationTimeout() throws Exception {
    openStore("3s");
    StateStore fencing = open();
    fence(fencing, "fenced");
    List<BackgroundCall> held = holdUntilOneQueues();
    BackgroundCall queued = held.remove(held.size() - 1);
    queued.interrupt(); // leaves the queue, so the late caller is its head
    queued.join();
    assertThat(queued.failure()).isInstanceOf(OperationCancelledException.class);
    BackgroundCall late = BackgroundCall.start(() -> store.save(record("late", "fenced", "l")));
    awaitUntil(() -> group.queued() == 1);
    long queuedAt = System.nanoTime();
    Thread.sleep(1_500); // half its time spent queued
    gate.openForAll(); // a held commit ends and its leader promotes the late caller
    late.join();
    long tookMillis = (System.nanoTime() - queuedAt) / 1_000_000;
    assertThat(late.failure())
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isTrue())
        .isNotInstanceOf(CommitOutcomeUnknownException.class);
    // Its one operationTimeout (3 s) from the start of its call, with generous slack; a fresh
    // one at its promotion would end it about 4.5 s after it queued.
    assertThat(tookMillis).isLessThan(3_800);
    joinAll(held);
    assertThat(held).allSatisfy(c -> assertThat(c.failure()).isNull());
    assertThat(store.load(Q, "fenced").id().value()).isEqualTo("held-fenced");
  }

  /**
   * A save that waited for a connection most of its operationTimeout, then for a fenced slot's
   * lock, ends within its timeout with a transient failure: the lock wait is bounded by what is
   * left of the call's time, so the server ends it, rather than the socket's bound (which made it
   * {@code CommitOutcomeUnknownException} after the timeout, though nothing was ever written).
   */
  @Test
  void aSaveThatWaitedForTheGate_thenForAFence_failsWithinItsTimeout_knownUnchanged()
      throws Exception {
    openStore("2s", "off");
    StateStore fencing = open();
    fence(fencing, "fenced");
    BackgroundCall save = new BackgroundCall(() -> store.save(record("s", "fenced", "s")));
    gate.hold(save);
    long started = System.nanoTime();
    save.start();
    awaitUntil(() -> gate.waiting() == 1);
    Thread.sleep(1_500); // most of its time spent waiting for a connection
    gate.openForAll();
    save.join();
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(save.failure())
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isTrue())
        .isNotInstanceOf(CommitOutcomeUnknownException.class);
    assertThat(tookMillis).isLessThan(2_700);
    assertThat(store.load(Q, "fenced").id().value()).isEqualTo("held-fenced");
  }
}
