package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Writes racing each other on PostgreSQL, each race steered to the point where it lives: a second
 * connection holds a row lock so that a store's statement pauses exactly there, another write runs
 * into the gap, and the test asserts that the outcome is one that some order of the calls explains.
 * Each of these failed on the driver before the slot and scope locks (issue 10, defects 1, 3 and 4;
 * issue 17, defect 1).
 */
class WriteRacesTest extends DatabaseTest {

  private static final Identity SCOPE = Q.identity();

  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    pool.shutdownNow();
  }

  /** A store whose connections report a name of their own, so the test can see them wait. */
  private StateStore store(String name) {
    return open("applicationName=" + name, "operationTimeout=20s", "maxPoolSize=4");
  }

  private static StateRecord rec(String id, String kind, String bytes) {
    return StateRecord.of(EventId.of(id), Q, kind, bytes.getBytes(StandardCharsets.UTF_8));
  }

  private String table() {
    return "\"" + schema + "\".harbor_state_records";
  }

  /** A connection holding the row lock of one slot of Q until it is rolled back. */
  private Connection lockRow(String kind) throws SQLException {
    Connection c = track(TestPostgres.connect());
    c.setAutoCommit(false);
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT 1 FROM "
                + table()
                + " WHERE tenant_id = ? AND user_id = ? AND session_id = ?"
                + " AND run_id = ? AND kind = ? FOR UPDATE")) {
      p.setString(1, Q.tenantId());
      p.setString(2, Q.userId());
      p.setString(3, Q.sessionId());
      p.setString(4, Q.runId());
      p.setString(5, kind);
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).as("row of %s to lock", kind).isTrue();
      }
    }
    return c;
  }

  /** Waits until a connection of the named store waits on a lock (a row or advisory lock). */
  private static void awaitWaitingOnLock(String applicationName) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Backends.waitingOnLock(applicationName)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(applicationName + " never waited on a lock");
      }
      Thread.sleep(5);
    }
  }

  /** Waits until the call finished or its store waits on a lock; true if it finished. */
  private static boolean finishesOrWaits(Future<?> call, String applicationName) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!call.isDone() && !Backends.waitingOnLock(applicationName)) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the call neither finished nor waited on a lock");
      }
      Thread.sleep(5);
    }
    // A call that waits may still be about to finish; a short grace tells the two apart.
    Thread.sleep(200);
    return call.isDone();
  }

  /** The call's failure, or null if it returned normally. */
  private static Throwable outcome(Future<?> call) throws Exception {
    try {
      call.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  private static Optional<String> idAt(StateStore store, String kind) {
    return store.find(Q, kind).map(r -> r.id().value());
  }

  @Test
  void saveAll_racingAPlainSaveOfOneOfItsEventIds_appliesWhollyOrNotAtAll() throws Exception {
    StateStore batchStore = store("batch-" + schema);
    StateStore saveStore = store("save-" + schema);
    batchStore.save(rec("E0", "k1", "preloaded"));
    Connection held = lockRow("k1");
    // The batch overwrites k1 first (slot order) and pauses on the held row, after its snapshot.
    Future<?> batch =
        pool.submit(
            () -> batchStore.saveAll(List.of(rec("E1", "k1", "batch"), rec("E2", "k2", "batch"))));
    awaitWaitingOnLock("batch-" + schema);
    // Meanwhile a plain save puts E2, with other bytes, where the batch will write it.
    Future<?> save = pool.submit(() -> saveStore.save(rec("E2", "k2", "other")));
    finishesOrWaits(save, "save-" + schema);
    held.rollback();
    Throwable batchFailure = outcome(batch);
    Throwable saveFailure = outcome(save);

    if (batchFailure == null) {
      // The batch came first: all of it is there, and the save of E2 with other bytes conflicted.
      assertThat(saveFailure).isInstanceOf(IdempotencyConflictException.class);
      assertThat(idAt(saveStore, "k1")).contains("E1");
      assertThat(saveStore.load(Q, "k2").bytes()).asString().isEqualTo("batch");
    } else {
      // The save came first: the batch conflicted on E2 and left no trace.
      assertThat(batchFailure).isInstanceOf(IdempotencyConflictException.class);
      assertThat(saveFailure).isNull();
      assertThat(idAt(saveStore, "k1")).as("k1 untouched by the failed batch").contains("E0");
      assertThat(saveStore.findByEventId(EventId.of("E1"))).isEmpty();
      assertThat(saveStore.load(Q, "k2").bytes()).asString().isEqualTo("other");
    }
  }

  @Test
  void saveIf_predicateSlotChangedByAPlainSaveBeforeItCommits_failsTheCondition() throws Exception {
    StateStore casStore = store("cas-" + schema);
    StateStore saveStore = store("save-" + schema);
    casStore.save(rec("P0", "p", "predicate"));
    casStore.save(rec("S0", "s", "written"));
    Connection held = lockRow("s");
    // The conditional write checks P and S, then pauses on the held row of S, which it writes.
    Future<?> cas =
        pool.submit(
            () ->
                casStore.saveIf(
                    List.of(
                        SlotExpectation.exact(Q, "p", EventId.of("P0")),
                        SlotExpectation.exact(Q, "s", EventId.of("S0"))),
                    rec("S1", "s", "next")));
    awaitWaitingOnLock("cas-" + schema);
    Future<?> save = pool.submit(() -> saveStore.save(rec("P1", "p", "changed")));
    boolean predicateChangedWhileCasPending = finishesOrWaits(save, "save-" + schema);
    Optional<String> sSeenMeanwhile =
        predicateChangedWhileCasPending ? idAt(saveStore, "s") : Optional.empty();
    held.rollback();
    Throwable casFailure = outcome(cas);
    assertThat(outcome(save)).isNull();

    if (predicateChangedWhileCasPending) {
      // P changed, and a reader then still saw S0: the saveIf cannot be ordered before the change,
      // so its expectation of P0 no longer held when it committed.
      assertThat(sSeenMeanwhile).contains("S0");
      assertThat(casFailure).isInstanceOf(ConditionFailedException.class);
      assertThat(idAt(saveStore, "s")).contains("S0");
    } else {
      assertThat(casFailure).isNull();
      assertThat(idAt(saveStore, "s")).contains("S1");
    }
    assertThat(idAt(saveStore, "p")).contains("P1");
  }

  @Test
  void deleteScope_racingABatchThatUpdatesAndInsertsInTheScope_isOneAtomicStep() throws Exception {
    StateStore batchStore = store("batch-" + schema);
    StateStore eraseStore = store("erase-" + schema);
    batchStore.save(rec("E12", "d", "existing"));
    Connection held = lockRow("d");
    // The batch inserts c and then pauses on the held row of d (slot order: c before d).
    Future<?> batch =
        pool.submit(
            () -> batchStore.saveAll(List.of(rec("E13", "c", "new"), rec("E14", "d", "new"))));
    awaitWaitingOnLock("batch-" + schema);
    CompletableFuture<Integer> erased =
        CompletableFuture.supplyAsync(() -> eraseStore.deleteScope(SCOPE), pool);
    finishesOrWaits(erased, "erase-" + schema);
    held.rollback();
    assertThat(outcome(batch)).isNull();
    int count = erased.get(30, TimeUnit.SECONDS);

    Optional<String> c = idAt(eraseStore, "c");
    Optional<String> d = idAt(eraseStore, "d");
    if (count == 1) {
      // The erase came first (it removed E12), then the batch wrote both slots.
      assertThat(c).contains("E13");
      assertThat(d).contains("E14");
    } else {
      // The batch came first, then the erase removed both of its records.
      assertThat(count).isEqualTo(2);
      assertThat(c).isEmpty();
      assertThat(d).isEmpty();
    }
  }

  @Test
  void deleteScope_racingASaveIntoTheScope_countsWhatItRemoved() throws Exception {
    StateStore saveStore = store("save-" + schema);
    StateStore eraseStore = store("erase-" + schema);
    saveStore.save(rec("E1", "a", "existing"));
    saveStore.save(rec("E2", "z", "existing"));
    Connection held = lockRow("z");
    // The erase removes a, then pauses on the held row of z.
    CompletableFuture<Integer> erased =
        CompletableFuture.supplyAsync(() -> eraseStore.deleteScope(SCOPE), pool);
    awaitWaitingOnLock("erase-" + schema);
    Future<?> save = pool.submit(() -> saveStore.save(rec("E3", "m", "new")));
    finishesOrWaits(save, "save-" + schema);
    held.rollback();
    assertThat(outcome(save)).isNull();
    int count = erased.get(30, TimeUnit.SECONDS);
    Optional<String> m = idAt(saveStore, "m");
    if (m.isPresent()) {
      // The save came after the erase: the erase removed exactly the two older records.
      assertThat(count).isEqualTo(2);
    } else {
      assertThat(count).isEqualTo(3);
    }
    assertThat(idAt(saveStore, "a")).isEmpty();
    assertThat(idAt(saveStore, "z")).isEmpty();
  }

  @Test
  void save_concurrentSavesOfOneNewEventIdWithOneContent_allSucceed() throws Exception {
    StateStore store = store("same-" + schema);
    // Every insert pauses in a trigger until the next 200 ms boundary, so racing inserts of one new
    // row wake together and reach the unique indexes at the same moment.
    TestPostgres.execute(
        "CREATE FUNCTION \""
            + schema
            + "\".wake_together() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN PERFORM pg_sleep_until(to_timestamp(ceil(extract(epoch FROM"
            + " clock_timestamp()) * 5) / 5)); RETURN NEW; END $$",
        "CREATE TRIGGER wake_together BEFORE INSERT ON "
            + table()
            + " FOR EACH ROW EXECUTE FUNCTION \""
            + schema
            + "\".wake_together()");
    // A large payload widens the race: TOAST writes it between the insert's conflict pre-check and
    // its index entries, so the racing inserts all pass the pre-check before any index entry
    // exists.
    byte[] large = new byte[2 << 20];
    new java.util.Random(42).nextBytes(large);
    int threads = 4;
    for (int round = 0; round < 6; round++) {
      StateRecord r = StateRecord.of(EventId.of("E-" + round), Q, "k" + round, large);
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<?>> calls = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        calls.add(
            pool.submit(
                () -> {
                  start.await();
                  store.save(r);
                  return null;
                }));
      }
      for (Future<?> call : calls) {
        assertThat(outcome(call)).as("round %d", round).isNull();
      }
      assertThat(store.loadByEventId(r.id()).bytes()).isEqualTo(r.bytes());
    }
  }

  @Test
  void save_concurrentSavesOfOneNewEventIdWithOtherContent_oneWinsTheOthersConflict()
      throws Exception {
    StateStore store = store("other-" + schema);
    int threads = 6;
    for (int round = 0; round < 20; round++) {
      String kind = "k" + round;
      EventId id = EventId.of("E-" + round);
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<?>> calls = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        StateRecord r =
            StateRecord.of(
                id,
                t % 2 == 0 ? Q : new Quadruple(Q.tenantId(), Q.userId(), Q.sessionId(), "r2"),
                kind,
                ("content " + t).getBytes(StandardCharsets.UTF_8));
        calls.add(
            pool.submit(
                () -> {
                  start.await();
                  store.save(r);
                  return null;
                }));
      }
      int ok = 0;
      for (Future<?> call : calls) {
        Throwable failure = outcome(call);
        if (failure == null) {
          ok++;
        } else {
          assertThat(failure).isInstanceOf(IdempotencyConflictException.class);
        }
      }
      assertThat(ok).as("round %d: exactly one content is stored", round).isEqualTo(1);
    }
  }
}
