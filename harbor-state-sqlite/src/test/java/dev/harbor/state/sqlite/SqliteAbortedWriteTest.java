package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A write transaction that fails after it began writing changes nothing, reports a contract
 * exception, and leaves the store usable. A trigger added behind the store's back makes one kind's
 * writes fail ({@code RAISE(ABORT)}).
 */
class SqliteAbortedWriteTest {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "");
  private static final String POISON = "k.poison";

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
}
