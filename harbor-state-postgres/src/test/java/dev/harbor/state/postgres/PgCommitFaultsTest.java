package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.EventId;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.testing.TestPostgres;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failures between a call's writes and its commit, steered with triggers in the test's schema: a
 * write that the server rejects, an interrupt seen after the writes, a connection that breaks while
 * committing, and a deferred check that fails at commit. The tests state the contract (CONTRACT.md
 * 3.9, 4.3-4.5, 4.13, 6), not how many statements a call sends.
 */
class PgCommitFaultsTest extends DatabaseTest {

  /** The kind whose writes the trigger of each group acts on. */
  private static final String MARKED = "marked";

  private String applicationName;
  private StateStore store;

  @BeforeEach
  void openStoreAndSeed() {
    applicationName = Backends.uniqueApplicationName();
    store = open("operationTimeout=5s", "applicationName=" + applicationName);
    store.saveAll(List.of(record("OLD-0", "k0", "old-0"), record("OLD-1", "k1", "old-1")));
  }

  /** Write failures (a row trigger raises): the whole call is undone, and the store carries on. */
  @Nested
  class WriteStageFailure {

    @BeforeEach
    void failWritesOfTheMarkedKind() {
      createRowTrigger(
          "harbor_test_fail",
          "BEFORE INSERT OR UPDATE",
          "NEW.kind = '" + MARKED + "'",
          "RAISE EXCEPTION 'harbor test: writes of this kind are rejected'; RETURN NEW;");
    }

    @ParameterizedTest(name = "failing write at position {0}")
    @ValueSource(ints = {0, 1, 2})
    void saveBatchIf_aWriteFailsAtAnyPosition_nothingOfTheBatchIsVisible_andTheStoreWorksAfterwards(
        int position) {
      List<StateRecord> writes = batchWithMarkedAt(position);
      List<SlotExpectation> expectations =
          writes.stream()
              .map(
                  w ->
                      w.kind().equals(MARKED)
                          ? SlotExpectation.absent(Q, MARKED)
                          : SlotExpectation.exact(Q, w.kind(), EventId.of(oldId(w.kind()))))
              .toList();
      Throwable thrown = thrownBy(() -> store.saveBatchIf(expectations, writes));
      assertRejectedByTheServer(thrown);
      assertPriorStateIntact(writes);
      assertStoreWorks();
    }

    @ParameterizedTest(name = "failing write at position {0}")
    @ValueSource(ints = {0, 1, 2})
    void saveAll_aWriteFailsAtAnyPosition_nothingOfTheBatchIsVisible_andTheStoreWorksAfterwards(
        int position) {
      List<StateRecord> writes = batchWithMarkedAt(position);
      Throwable thrown = thrownBy(() -> store.saveAll(writes));
      assertRejectedByTheServer(thrown);
      assertPriorStateIntact(writes);
      assertStoreWorks();
    }

    @Test
    void saveIf_itsWriteFails_nothingChanges_andTheStoreWorksAfterwards() {
      StateRecord next = record("NEW-M", MARKED, "new");
      Throwable thrown =
          thrownBy(
              () ->
                  store.saveIf(
                      List.of(
                          SlotExpectation.exact(Q, "k0", EventId.of("OLD-0")),
                          SlotExpectation.absent(Q, MARKED)),
                      next));
      assertRejectedByTheServer(thrown);
      assertPriorStateIntact(List.of(next));
      assertStoreWorks();
    }

    private List<StateRecord> batchWithMarkedAt(int position) {
      List<StateRecord> writes =
          new ArrayList<>(List.of(record("NEW-0", "k0", "new-0"), record("NEW-1", "k1", "new-1")));
      writes.add(position, record("NEW-M", MARKED, "new-m"));
      return writes;
    }

    /** A plain RAISE is SQLSTATE P0001: the server answered, nothing to retry. */
    private void assertRejectedByTheServer(Throwable thrown) {
      assertThat(thrown)
          .isInstanceOfSatisfying(
              StorageException.class,
              e -> assertThat(e.isTransient()).as("a retry cannot succeed").isFalse())
          .isNotInstanceOf(CommitOutcomeUnknownException.class)
          .cause()
          .isInstanceOfSatisfying(
              SQLException.class, c -> assertThat(c.getSQLState()).isEqualTo("P0001"));
    }

    private void assertStoreWorks() {
      store.save(record("AFTER-0", "k0", "after-0"));
      store.saveIf(
          List.of(SlotExpectation.exact(Q, "k1", EventId.of("OLD-1"))),
          record("AFTER-1", "k1", "after-1"));
      assertThat(store.load(Q, "k0").id().value()).isEqualTo("AFTER-0");
      assertThat(store.load(Q, "k1").id().value()).isEqualTo("AFTER-1");
    }
  }

  /**
   * An interrupt that arrives while the writes run (a row trigger sleeps 0.5 s for the marked kind;
   * JDBC does not abort a read on interrupt) must be seen before COMMIT: the call rolls back and
   * throws OperationCancelledException with the interrupt flag still set (CONTRACT.md 3.9, 4.13).
   */
  @Nested
  class InterruptBeforeCommit {

    @BeforeEach
    void seedMarkedThenSlowDownItsWrites() {
      store.save(record("OLD-M", MARKED, "old-m"));
      String sleep = "PERFORM pg_sleep(0.5); RETURN NULL;";
      createRowTrigger(
          "harbor_test_slow_write", "AFTER INSERT OR UPDATE", "NEW.kind = '" + MARKED + "'", sleep);
      createRowTrigger(
          "harbor_test_slow_delete", "AFTER DELETE", "OLD.kind = '" + MARKED + "'", sleep);
    }

    @Test
    void saveAll_interruptedWhileItsWritesRun_rollsBackAndThrowsOperationCancelled()
        throws Exception {
      List<StateRecord> batch =
          List.of(record("NEW-0", "k0", "new-0"), record("NEW-M", MARKED, "new"));
      Outcome o = interruptWhileSleeping(runVoid(() -> store.saveAll(batch)));
      assertCancelled(o);
      assertPriorStateIntact(batch);
    }

    @Test
    void saveIf_interruptedWhileItsWriteRuns_rollsBackAndThrowsOperationCancelled()
        throws Exception {
      StateRecord next = record("NEW-M", MARKED, "new");
      Outcome o =
          interruptWhileSleeping(
              runVoid(
                  () ->
                      store.saveIf(
                          List.of(SlotExpectation.exact(Q, MARKED, EventId.of("OLD-M"))), next)));
      assertCancelled(o);
      assertPriorStateIntact(List.of(next));
    }

    @Test
    void saveBatchIf_interruptedWhileItsWritesRun_rollsBackAndThrowsOperationCancelled()
        throws Exception {
      List<StateRecord> writes =
          List.of(record("NEW-0", "k0", "new-0"), record("NEW-M", MARKED, "new"));
      Outcome o =
          interruptWhileSleeping(
              runVoid(
                  () ->
                      store.saveBatchIf(
                          List.of(
                              SlotExpectation.exact(Q, "k0", EventId.of("OLD-0")),
                              SlotExpectation.exact(Q, MARKED, EventId.of("OLD-M"))),
                          writes)));
      assertCancelled(o);
      assertPriorStateIntact(writes);
    }

    @Test
    void deleteScope_interruptedWhileItsDeleteRuns_rollsBackAndThrowsOperationCancelled()
        throws Exception {
      Outcome o = interruptWhileSleeping(() -> store.deleteScope(Q.identity()));
      assertCancelled(o);
      assertThat(store.listKindForIdentity(Q, "k")).hasSize(2);
      assertThat(store.load(Q, MARKED).id().value()).isEqualTo("OLD-M");
    }

    /** A single-statement write may already be committed when the interrupt is seen. */
    @Test
    void save_interruptedWhileItsWriteRuns_eitherStoredAndReturnsOrCancelledWithNothingStored()
        throws Exception {
      StateRecord next = record("NEW-M", MARKED, "new");
      Outcome o = interruptWhileSleeping(runVoid(() -> store.save(next)));
      assertThat(o.interruptedAfter()).as("the interrupt flag stays set").isTrue();
      if (o.thrown() == null) {
        assertThat(store.load(Q, MARKED).sameContent(next)).as("returned, so stored").isTrue();
      } else {
        assertThat(o.thrown()).isInstanceOf(OperationCancelledException.class);
        assertPriorStateIntact(List.of(next));
      }
    }

    private Outcome interruptWhileSleeping(Callable<?> call) throws Exception {
      try (Caller caller = new Caller(call)) {
        caller.awaitSleepingBackend(applicationName);
        caller.interrupt();
        return caller.outcome();
      }
    }

    private void assertCancelled(Outcome o) {
      if (o.thrown() == null) {
        throw new AssertionError(
            "the call returned normally (result "
                + o.result()
                + "): an interrupt seen after the writes did not stop the commit");
      }
      assertThat(o.thrown()).isInstanceOf(OperationCancelledException.class);
      assertThat(o.interruptedAfter()).as("the interrupt flag stays set").isTrue();
    }
  }

  /**
   * The connection breaks while the commit is in flight (a deferred constraint trigger sleeps 1 s
   * at commit for the marked kind, and its backend is terminated meanwhile): the store asks the
   * server what became of the transaction, learns it was rolled back (the backend was terminated
   * before the commit completed), and runs the call again, which then returns normally with
   * everything applied (issue 23; before, the outcome was reported unknown, or the write was run
   * again without asking).
   */
  @Nested
  class ConnectionBreaksDuringCommit {

    @BeforeEach
    void seedMarkedThenSlowDownCommits() {
      store.save(record("OLD-M", MARKED, "old-m"));
      createDeferredTrigger("harbor_test_slow_commit", "PERFORM pg_sleep(1); RETURN NULL;");
    }

    @Test
    void saveIf_connectionBreaksDuringCommit_theServerSaysRolledBack_soItRunsAgain()
        throws Exception {
      StateRecord next = record("NEW-M", MARKED, "new");
      Outcome o =
          terminateWhileCommitting(
              runVoid(
                  () ->
                      store.saveIf(
                          List.of(SlotExpectation.exact(Q, MARKED, EventId.of("OLD-M"))), next)));
      assertRanAgainAndApplied(o, List.of(next));
    }

    @Test
    void saveBatchIf_connectionBreaksDuringCommit_theServerSaysRolledBack_soItRunsAgain()
        throws Exception {
      List<StateRecord> writes =
          List.of(record("NEW-0", "k0", "new-0"), record("NEW-M", MARKED, "new"));
      Outcome o =
          terminateWhileCommitting(
              runVoid(
                  () ->
                      store.saveBatchIf(
                          List.of(
                              SlotExpectation.exact(Q, "k0", EventId.of("OLD-0")),
                              SlotExpectation.exact(Q, MARKED, EventId.of("OLD-M"))),
                          writes)));
      assertRanAgainAndApplied(o, writes);
    }

    @Test
    void saveAll_connectionBreaksDuringCommit_theServerSaysRolledBack_soItRunsAgain()
        throws Exception {
      List<StateRecord> batch =
          List.of(record("NEW-0", "k0", "new-0"), record("NEW-M", MARKED, "new"));
      Outcome o = terminateWhileCommitting(runVoid(() -> store.saveAll(batch)));
      assertRanAgainAndApplied(o, batch);
    }

    @Test
    void save_connectionBreaksDuringCommit_theServerSaysRolledBack_soItRunsAgain()
        throws Exception {
      StateRecord next = record("NEW-M", MARKED, "new");
      Outcome o = terminateWhileCommitting(runVoid(() -> store.save(next)));
      assertRanAgainAndApplied(o, List.of(next));
    }

    private Outcome terminateWhileCommitting(Callable<?> call) throws Exception {
      try (Caller caller = new Caller(call)) {
        int pid = caller.awaitSleepingBackend(applicationName);
        assertThat(Backends.terminate(applicationName, pid))
            .as("terminated backend %d", pid)
            .isTrue();
        return caller.outcome();
      }
    }

    private void assertRanAgainAndApplied(Outcome o, List<StateRecord> writes) {
      if (o.thrown() != null) {
        throw new AssertionError(
            "the call failed although the server could tell its commit was rolled back",
            o.thrown());
      }
      assertAllStored(writes);
    }
  }

  /**
   * A deferred check that fails at commit: the server answered, so the outcome is known (rolled
   * back). The call fails with a StorageException that is not CommitOutcomeUnknownException, and
   * nothing is stored.
   */
  @Nested
  class DeferredCheckFailsAtCommit {

    @BeforeEach
    void seedMarkedThenRejectAtCommit() {
      store.save(record("OLD-M", MARKED, "old-m"));
      createDeferredTrigger(
          "harbor_test_reject_at_commit",
          "RAISE EXCEPTION 'harbor test: rejected at commit'; RETURN NULL;");
    }

    @Test
    void saveIf_rejectedAtCommit_throwsStorageException_andNothingIsStored() {
      StateRecord next = record("NEW-M", MARKED, "new");
      Throwable thrown =
          thrownBy(
              () ->
                  store.saveIf(
                      List.of(SlotExpectation.exact(Q, MARKED, EventId.of("OLD-M"))), next));
      assertKnownFailure(thrown);
      assertPriorStateIntact(List.of(next));
    }

    @Test
    void saveBatchIf_rejectedAtCommit_throwsStorageException_andNothingIsStored() {
      List<StateRecord> writes =
          List.of(record("NEW-0", "k0", "new-0"), record("NEW-M", MARKED, "new"));
      Throwable thrown =
          thrownBy(
              () ->
                  store.saveBatchIf(
                      List.of(
                          SlotExpectation.exact(Q, "k0", EventId.of("OLD-0")),
                          SlotExpectation.exact(Q, MARKED, EventId.of("OLD-M"))),
                      writes));
      assertKnownFailure(thrown);
      assertPriorStateIntact(writes);
    }

    @Test
    void saveAll_rejectedAtCommit_throwsStorageException_andNothingIsStored() {
      List<StateRecord> batch =
          List.of(record("NEW-0", "k0", "new-0"), record("NEW-M", MARKED, "new"));
      Throwable thrown = thrownBy(() -> store.saveAll(batch));
      assertKnownFailure(thrown);
      assertPriorStateIntact(batch);
    }

    @Test
    void save_rejectedAtCommit_throwsStorageException_andNothingIsStored() {
      StateRecord next = record("NEW-M", MARKED, "new");
      Throwable thrown = thrownBy(() -> store.save(next));
      assertKnownFailure(thrown);
      assertPriorStateIntact(List.of(next));
    }

    private void assertKnownFailure(Throwable thrown) {
      assertThat(thrown)
          .isInstanceOf(StorageException.class)
          .isNotInstanceOf(CommitOutcomeUnknownException.class);
      assertThat(causes(thrown))
          .as("the cause chain holds the JDBC exception")
          .anyMatch(c -> c instanceof SQLException);
    }
  }

  // ---- helpers ----

  private String table() {
    return "\"" + schema + "\".harbor_state_records";
  }

  private String function(String name) {
    return "\"" + schema + "\"." + name;
  }

  /** A plpgsql row trigger on the records table, acting on the rows that match {@code when}. */
  private void createRowTrigger(String name, String timing, String when, String body) {
    TestPostgres.execute(
        "CREATE FUNCTION "
            + function(name)
            + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + body
            + " END $$",
        "CREATE TRIGGER "
            + name
            + " "
            + timing
            + " ON "
            + table()
            + " FOR EACH ROW WHEN ("
            + when
            + ") EXECUTE FUNCTION "
            + function(name)
            + "()");
  }

  /** A constraint trigger that runs at commit for inserts and updates of the marked kind. */
  private void createDeferredTrigger(String name, String body) {
    TestPostgres.execute(
        "CREATE FUNCTION "
            + function(name)
            + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + body
            + " END $$",
        "CREATE CONSTRAINT TRIGGER "
            + name
            + " AFTER INSERT OR UPDATE ON "
            + table()
            + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = '"
            + MARKED
            + "') EXECUTE FUNCTION "
            + function(name)
            + "()");
  }

  /** The seeded event id of a slot: OLD-0, OLD-1 or OLD-M. */
  private static String oldId(String kind) {
    return kind.equals(MARKED) ? "OLD-M" : "OLD-" + kind.substring(1);
  }

  /** Every written slot holds what it held before (the marked slot may have been absent). */
  private void assertPriorStateIntact(List<StateRecord> writes) {
    StateStore reader = open("operationTimeout=5s");
    for (StateRecord w : writes) {
      assertThat(reader.findByEventId(w.id())).as("%s is not stored", w.id().value()).isEmpty();
      Optional<StateRecord> held = reader.find(w.identity(), w.kind());
      if (w.kind().equals(MARKED) && held.isEmpty()) {
        continue; // the write-failure group starts with the marked slot absent
      }
      assertThat(held)
          .as("slot %s holds its prior record", w.kind())
          .hasValueSatisfying(h -> assertThat(h.id().value()).isEqualTo(oldId(w.kind())));
    }
  }

  private void assertAllStored(List<StateRecord> writes) {
    for (StateRecord w : writes) {
      assertThat(isStored(w)).as("%s is stored", w.id().value()).isTrue();
    }
  }

  private boolean isStored(StateRecord w) {
    return store.find(w.identity(), w.kind()).map(h -> h.sameContent(w)).orElse(false);
  }

  private static Throwable thrownBy(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("expected the call to fail, but it returned normally");
  }

  private static List<Throwable> causes(Throwable t) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable c = t.getCause(); c != null && !chain.contains(c); c = c.getCause()) {
      chain.add(c);
    }
    return chain;
  }

  private static Callable<Object> runVoid(Runnable call) {
    return () -> {
      call.run();
      return null;
    };
  }

  /** How a call on its own thread ended: its result or failure, and its interrupt flag after. */
  private record Outcome(Object result, Throwable thrown, boolean interruptedAfter) {}

  /** A store call on a thread of its own, so the test can interrupt it. */
  private static final class Caller implements AutoCloseable {
    private final CompletableFuture<Outcome> done = new CompletableFuture<>();
    private final Thread thread;

    Caller(Callable<?> call) {
      thread =
          new Thread(
              () -> {
                Object result = null;
                Throwable thrown = null;
                try {
                  result = call.call();
                } catch (Throwable e) {
                  thrown = e;
                }
                done.complete(new Outcome(result, thrown, Thread.currentThread().isInterrupted()));
              },
              "harbor-test-caller");
      thread.setDaemon(true);
      thread.start();
    }

    /** The pid of the call's backend once it sleeps in the trigger; fails if the call ended. */
    int awaitSleepingBackend(String applicationName) throws Exception {
      try {
        return Backends.awaitWaiting(applicationName, "PgSleep", 10);
      } catch (AssertionError e) {
        if (done.isDone()) {
          Outcome o = done.get();
          AssertionError ended =
              new AssertionError(
                  e.getMessage() + "; the call had ended with result " + o.result(), o.thrown());
          throw ended;
        }
        throw e;
      }
    }

    void interrupt() {
      thread.interrupt();
    }

    Outcome outcome() throws Exception {
      return done.get(30, TimeUnit.SECONDS);
    }

    /** Ends the call if a failed test left it running. */
    @Override
    public void close() {
      if (!done.isDone()) {
        thread.interrupt();
      }
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
