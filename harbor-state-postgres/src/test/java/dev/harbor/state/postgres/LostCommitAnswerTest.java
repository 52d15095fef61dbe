package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.EventId;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.testing.BackgroundCall;
import dev.harbor.state.testing.FaultProxy;
import dev.harbor.state.testing.HeldFence;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A write whose commit reached the server while its answer was lost (issue 23, defect 1), steered
 * with a {@link FaultProxy} between the store and the server (or PgBouncer): the proxy delivers the
 * commit and withholds the answer; meanwhile another store instance, connected directly, writes the
 * same slot and is acknowledged; only then is the connection cut. The first write was applied
 * between its call's invocation and its return, and the newer write was acknowledged after it, so
 * the slot must end with the newer write: re-applying the first one (as the driver's internal retry
 * did when it found its record no longer live) loses an acknowledged write. Since the server can
 * tell that the commit was applied, the caller is told success, which is the truth: the write took
 * effect at its commit, inside the call.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS) // a hang guard; nothing here is timed
class LostCommitAnswerTest extends DatabaseTest {

  private static final String K = "k";

  /** The location of this test's schema on the server directly, or through the shared pooler. */
  private String direct(String via, String... options) {
    return via.equals("pgbouncer") ? Bouncers.location(schema, options) : location(options);
  }

  @ParameterizedTest(name = "{0}, groupCommit={1}, via {2}")
  @CsvSource({
    "save, off, server",
    "save, on, server",
    "delete, off, server",
    "delete, on, server",
    "save, on, pgbouncer",
    "delete, off, pgbouncer"
  })
  void aWriteWhoseCommitAnswerWasLost_isNotAppliedAgainOverANewerAcknowledgedWrite(
      String write, String groupCommit, String via) throws Exception {
    String plain = direct(via, "operationTimeout=10s", "groupCommit=" + groupCommit);
    StateStore other = track(StateStores.open(plain));
    FaultProxy proxy = track(FaultProxy.inFrontOf(plain));
    StateStore store = track(StateStores.open(proxy.location(plain)));
    store.save(record("E0", K, "first"));

    FaultProxy.Trap lost =
        proxy.loseCommitAnswer(
            write.equals("save") ? "INSERT INTO \"" : "DELETE FROM \"", "\"" + schema + "\"");
    BackgroundCall call =
        BackgroundCall.start(
            write.equals("save")
                ? () -> store.save(record("E1", K, "lost answer"))
                : () -> store.delete(Q, K));
    assertThat(lost.awaitLost(Duration.ofSeconds(30))).as("the commit reached the server").isTrue();
    assertThat(lost.committed()).as("and the server committed it").isTrue();
    StateRecord newer = record("E2", K, "newer");
    other.save(newer); // acknowledged while the first write's caller still waits
    lost.cut();
    call.join();

    Optional<StateRecord> held = other.find(Q, K);
    assertThat(held)
        .as("the slot holds the newer, acknowledged write")
        .hasValueSatisfying(r -> assertThat(r.sameContent(newer)).isTrue());
    assertThat(call.failure())
        .as("the server can tell the commit was applied, so the call succeeds")
        .isNull();
  }

  /**
   * The commit never reaches the server (the connection breaks while the client sends it): the
   * server rolls the transaction back, the store learns so and runs the write again, which then
   * returns normally with the write applied.
   */
  @ParameterizedTest(name = "{0}, via {1}")
  @CsvSource({"save, server", "delete, server", "save, pgbouncer"})
  void aCommitLostOnItsWayToTheServer_isRunAgain(String write, String via) throws Exception {
    String plain = direct(via, "operationTimeout=10s", "groupCommit=off");
    StateStore other = track(StateStores.open(plain));
    FaultProxy proxy = track(FaultProxy.inFrontOf(plain));
    StateStore store = track(StateStores.open(proxy.location(plain)));
    store.save(record("E0", K, "first"));
    FaultProxy.Trap dropped = proxy.dropCommit();
    if (write.equals("save")) {
      store.save(record("E1", K, "second"));
    } else {
      store.delete(Q, K);
    }
    assertThat(dropped.isLost()).as("a COMMIT was dropped").isTrue();
    Optional<StateRecord> held = other.find(Q, K);
    if (write.equals("save")) {
      assertThat(held).hasValueSatisfying(r -> assertThat(r.id().value()).isEqualTo("E1"));
    } else {
      assertThat(held).isEmpty();
    }
  }

  /**
   * A COMMIT that the network holds, failing silently towards the server (which hears neither the
   * COMMIT nor that the client gave up): the server ends the abandoned transaction once it has
   * waited idle for operationTimeout, so it does not hold the slot's lock until TCP keepalive
   * notices; another instance's save of the slot then goes through; the held write never lands; and
   * its caller is told the outcome is unknown, or that it failed (the server said it ended the
   * transaction), never success.
   */
  @Test
  void aCommitHeldByASilentNetwork_letsTheSlotGoAfterOperationTimeout_andNeverLands()
      throws Exception {
    String plain = location("operationTimeout=1s", "groupCommit=off");
    StateStore other = track(StateStores.open(location("operationTimeout=10s")));
    FaultProxy proxy = track(FaultProxy.inFrontOf(plain));
    StateStore store = track(StateStores.open(proxy.location(plain)));
    store.save(record("E0", K, "first"));
    FaultProxy.Trap held = proxy.holdCommit();
    BackgroundCall call = BackgroundCall.start(() -> store.save(record("E1", K, "held")));
    assertThat(held.awaitLost(Duration.ofSeconds(30))).as("the COMMIT was held").isTrue();
    StateRecord newer = record("E2", K, "newer");
    other.save(newer); // waits for the slot's lock, which the abandoned transaction holds
    call.join();
    held.cut();

    assertThat(call.failure()).as("never success").isInstanceOf(StorageException.class);
    assertThat(other.load(Q, K).sameContent(newer)).isTrue();
    assertThat(other.findByEventId(EventId.of("E1"))).as("never committed").isEmpty();
  }

  /**
   * A save that only waited — for the pool, then for a slot fenced by another instance — until its
   * socket read timed out never sent a commit: it fails with a transient StorageException that is
   * not CommitOutcomeUnknownException, and nothing is applied, also once the fence ends.
   */
  @Test
  void aSaveThatOnlyWaitedForThePoolAndAFencedSlot_failsAsTransient_andIsNeverApplied()
      throws Exception {
    StateStore other = open();
    StateStore store = open("operationTimeout=3s", "maxPoolSize=1", "groupCommit=off");
    other.save(record("F0", K, "fenced"));
    store.save(record("P0", "pool", "pool"));
    // The slot is fenced by another instance; this instance's only connection is held by a fence
    // of its own, released after 1.5 s: the save then has 1.5 s left, so its socket read (what is
    // left plus a second's grace) ends before the server's lock_timeout (the whole 3 s) would.
    try (HeldFence slot =
            HeldFence.start(other, SlotExpectation.exact(Q, K, EventId.of("F0"))).holding();
        HeldFence pool =
            HeldFence.start(store, SlotExpectation.exact(Q, "pool", EventId.of("P0"))).holding()) {
      BackgroundCall call = BackgroundCall.start(() -> store.save(record("W1", K, "waited")));
      Thread.sleep(1_500); // a lower bound only: a longer wait leaves even less time
      pool.release();
      call.join();
      assertThat(call.failure())
          .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isTrue())
          .isNotInstanceOf(CommitOutcomeUnknownException.class);
      slot.release();
    }
    // A fence of the slot waits for its lock, so for the abandoned statement's transaction to end
    // (it got the lock once the fence above ended, or timed out): the slot still holds F0.
    other.fenceIf(SlotExpectation.exact(Q, K, EventId.of("F0")), () -> {});
    assertThat(other.findByEventId(EventId.of("W1"))).as("never applied").isEmpty();
  }
}
