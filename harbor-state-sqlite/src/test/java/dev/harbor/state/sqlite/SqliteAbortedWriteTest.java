package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.harbor.state.EventId;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * A write transaction that fails after it began writing, or whose caller is interrupted before it
 * commits, changes nothing, reports a contract exception, and leaves the store usable. Triggers
 * added behind the store's back make one kind's writes fail ({@code RAISE(ABORT)}) or slow.
 */
class SqliteAbortedWriteTest {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "");
  private static final String POISON = "k.poison";
  private static final String SLOW = "k.slow";

  @TempDir Path dir;
  private Path file;
  private StateStore store;

  @BeforeEach
  void openStore() {
    file = dir.resolve("state.db");
    store = TestFiles.open(file);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private static StateRecord rec(String id, String kind) {
    return StateRecord.of(EventId.of(id), Q, kind, id.getBytes(StandardCharsets.UTF_8));
  }

  /** Every record of the identity, by kind: the whole observable state of these tests. */
  private List<StateRecord> state() {
    return store.listKindForIdentity(Q, "k.", 1000);
  }

  private void sql(String... statements) throws SQLException {
    try (Connection c = TestFiles.jdbc(file);
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    }
  }

  // ---- a write that fails inside the transaction ----

  /** Every insert or update of kind {@link #POISON} aborts its statement. */
  private void poison() throws SQLException {
    sql(
        "CREATE TRIGGER poison_insert BEFORE INSERT ON harbor_state_records"
            + " WHEN NEW.kind = '"
            + POISON
            + "' BEGIN SELECT RAISE(ABORT, 'poisoned'); END",
        "CREATE TRIGGER poison_update BEFORE UPDATE ON harbor_state_records"
            + " WHEN NEW.kind = '"
            + POISON
            + "' BEGIN SELECT RAISE(ABORT, 'poisoned'); END");
  }

  /** Three kinds, {@link #POISON} at {@code position}. */
  private static List<String> kindsWithPoisonAt(int position) {
    List<String> kinds = new ArrayList<>(List.of("k.a", "k.b"));
    kinds.add(position, POISON);
    return kinds;
  }

  private static void assertWriteStageFailure(Throwable e) {
    // The error table maps a failed constraint (a trigger's RAISE(ABORT) is one) to a permanent
    // StorageException; the driver's exception is only the cause.
    assertThat(e).isInstanceOf(StorageException.class);
    assertThat(((StorageException) e).isTransient()).isFalse();
    assertThat(e.getCause()).isInstanceOf(SQLException.class).hasMessageContaining("poisoned");
  }

  @ParameterizedTest(name = "poisoned write at position {0} of 3")
  @ValueSource(ints = {0, 1, 2})
  void saveBatchIf_writeFailingAtAnyPosition_rollsBackEveryWrite_andStoreStaysUsable(int position)
      throws SQLException {
    List<String> kinds = kindsWithPoisonAt(position);
    for (String k : kinds) {
      store.save(rec(k + "-g0", k));
    }
    poison();
    List<StateRecord> before = state();
    List<SlotExpectation> expected =
        kinds.stream().map(k -> SlotExpectation.exact(Q, k, EventId.of(k + "-g0"))).toList();
    List<StateRecord> writes = kinds.stream().map(k -> rec(k + "-g1", k)).toList();

    assertThatThrownBy(() -> store.saveBatchIf(expected, writes))
        .satisfies(SqliteAbortedWriteTest::assertWriteStageFailure);
    assertThat(state()).isEqualTo(before);

    store.saveBatchIf(
        List.of(
            SlotExpectation.exact(Q, "k.a", EventId.of("k.a-g0")),
            SlotExpectation.exact(Q, "k.b", EventId.of("k.b-g0"))),
        List.of(rec("k.a-g1", "k.a"), rec("k.b-g1", "k.b")));
    store.save(rec("k.c-g0", "k.c"));
    assertThat(state().stream().map(r -> r.id().value()))
        .containsExactly("k.a-g1", "k.b-g1", "k.c-g0", POISON + "-g0");
  }

  @ParameterizedTest(name = "poisoned write at position {0} of 3")
  @ValueSource(ints = {0, 1, 2})
  void saveAll_writeFailingAtAnyPosition_rollsBackEveryWrite_andStoreStaysUsable(int position)
      throws SQLException {
    List<String> kinds = kindsWithPoisonAt(position);
    store.save(rec("k.a-g0", "k.a"));
    poison();
    List<StateRecord> before = state();
    List<StateRecord> writes = kinds.stream().map(k -> rec(k + "-g1", k)).toList();

    assertThatThrownBy(() -> store.saveAll(writes))
        .satisfies(SqliteAbortedWriteTest::assertWriteStageFailure);
    assertThat(state()).isEqualTo(before);

    store.saveAll(List.of(rec("k.a-g1", "k.a"), rec("k.b-g1", "k.b")));
    assertThat(state().stream().map(r -> r.id().value())).containsExactly("k.a-g1", "k.b-g1");
  }

  // ---- an interrupt that arrives while the transaction runs ----

  /**
   * The calls an interrupt may catch inside their write transaction; each touches {@link #SLOW}.
   */
  enum Write {
    SAVE(s -> s.save(rec("slow-g1", SLOW))),
    SAVE_ALL(s -> s.saveAll(List.of(rec("other-g1", "k.other"), rec("slow-g1", SLOW)))),
    SAVE_IF(
        s ->
            s.saveIf(
                List.of(SlotExpectation.exact(Q, SLOW, EventId.of("slow-g0"))),
                rec("slow-g1", SLOW))),
    SAVE_BATCH_IF(
        s ->
            s.saveBatchIf(
                List.of(
                    SlotExpectation.exact(Q, "k.other", EventId.of("other-g0")),
                    SlotExpectation.exact(Q, SLOW, EventId.of("slow-g0"))),
                List.of(rec("other-g1", "k.other"), rec("slow-g1", SLOW)))),
    DELETE(s -> s.delete(Q, SLOW)),
    DELETE_IF(s -> s.deleteIf(SlotExpectation.exact(Q, SLOW, EventId.of("slow-g0")))),
    DELETE_SCOPE(s -> s.deleteScope(Q.identity()));

    final Consumer<StateStore> call;

    Write(Consumer<StateStore> call) {
      this.call = call;
    }
  }

  /**
   * Every write of kind {@link #SLOW} runs a statement that burns a few hundred ms of CPU inside
   * SQLite, where {@link Thread#interrupt} does not reach.
   */
  private void slow() throws SQLException {
    String burn =
        " BEGIN SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL"
            + " SELECT x + 1 FROM c WHERE x < 500000) SELECT x FROM c); END";
    sql(
        "CREATE TRIGGER slow_insert BEFORE INSERT ON harbor_state_records WHEN NEW.kind = '"
            + SLOW
            + "'"
            + burn,
        "CREATE TRIGGER slow_update BEFORE UPDATE ON harbor_state_records WHEN NEW.kind = '"
            + SLOW
            + "'"
            + burn,
        "CREATE TRIGGER slow_delete BEFORE DELETE ON harbor_state_records WHEN OLD.kind = '"
            + SLOW
            + "'"
            + burn);
  }

  @ParameterizedTest
  @EnumSource(Write.class)
  void interruptWhileTheTransactionRuns_rollsBack_throwsCancelled_flagStaysSet(Write write)
      throws Exception {
    store.save(rec("slow-g0", SLOW));
    store.save(rec("other-g0", "k.other"));
    slow();
    List<StateRecord> before = state();

    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flagAfter = new AtomicBoolean();
    Thread caller =
        new Thread(
            () -> {
              try {
                write.call.accept(store);
              } catch (Throwable t) {
                thrown.set(t);
              }
              flagAfter.set(Thread.currentThread().isInterrupted());
            },
            "interrupted-" + write);
    caller.start();
    awaitWriteTransaction(caller);
    caller.interrupt();
    caller.join(TimeUnit.SECONDS.toMillis(20));
    assertThat(caller.isAlive()).isFalse();

    assertThat(thrown.get()).isInstanceOf(OperationCancelledException.class);
    assertThat(flagAfter).isTrue();
    assertThat(state()).isEqualTo(before);
    store.save(rec("after", "k.after")); // the write connection is usable again
    assertThat(store.find(Q, "k.after")).isPresent();
  }

  @Test
  void fenceIf_interruptedWhileItsActionRuns_returnsNormally_flagStaysSet() {
    store.save(rec("g0", "k.fenced"));
    AtomicBoolean ran = new AtomicBoolean();
    try {
      // The action has run, so the call is not reported as cancelled ("nothing was changed").
      store.fenceIf(
          SlotExpectation.exact(Q, "k.fenced", EventId.of("g0")),
          () -> {
            ran.set(true);
            Thread.currentThread().interrupt();
          });
      assertThat(ran).isTrue();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    store.save(rec("after", "k.after"));
    assertThat(store.find(Q, "k.after")).isPresent();
  }

  /**
   * Returns once some connection holds the file's write lock, which here only the caller's write
   * transaction takes: a probe's {@code BEGIN IMMEDIATE} with no busy wait then fails as busy.
   */
  private void awaitWriteTransaction(Thread caller) throws Exception {
    try (Connection probe = TestFiles.jdbc(file);
        Statement s = probe.createStatement()) {
      s.execute("PRAGMA busy_timeout = 0");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && caller.isAlive()) {
        try {
          s.execute("BEGIN IMMEDIATE");
          s.execute("ROLLBACK");
        } catch (SQLiteException e) {
          if ((e.getResultCode().code & 0xFF) == SQLiteErrorCode.SQLITE_BUSY.code) {
            return;
          }
          throw e;
        }
        Thread.sleep(1);
      }
    }
    fail("the write transaction of " + caller.getName() + " was never seen");
  }
}
