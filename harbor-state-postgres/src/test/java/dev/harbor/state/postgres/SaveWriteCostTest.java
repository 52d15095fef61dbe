package dev.harbor.state.postgres;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateStore;
import dev.harbor.state.sql.RecordRows;
import dev.harbor.state.testing.TestPostgres;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What a write costs beyond its row (issue 27): statements in its first round trip, and WAL. Under
 * its slot's advisory lock a save is the only writer of the slot, so it needs neither the row lock
 * nor the speculative insertion of {@code INSERT ... ON CONFLICT DO UPDATE}; each is a WAL record
 * per save (measured with {@code WireCostMain}). The row lock is visible afterwards: it leaves the
 * new row version's {@code xmax} set to the saving transaction.
 */
class SaveWriteCostTest extends DatabaseTest {

  @Test
  void anOverwrite_leavesNoRowLockOnTheRow() throws Exception {
    StateStore store = open("groupCommit=off");
    store.save(record("E1", "k", "v"));
    store.save(record("E2", "k", "w"));
    assertThat(xmaxOfSlot(Q, "k")).as("xmax of the overwritten slot's row").isEqualTo("0");
    // What the save still does: the new content, the old id gone, a replay a no-op.
    assertThat(store.find(Q, "k").orElseThrow().id().value()).isEqualTo("E2");
    assertThat(store.findByEventId(EventId.of("E1"))).isEmpty();
    store.save(record("E2", "k", "w")); // a replay: locks the row it checks, writes nothing
    assertThat(store.find(Q, "k").orElseThrow().bytes()).isEqualTo("w".getBytes(UTF_8));
    assertThatThrownBy(() -> store.save(record("E2", "k", "other")))
        .isInstanceOf(IdempotencyConflictException.class);
    assertThatThrownBy(() -> store.save(record("E2", "elsewhere", "w")))
        .isInstanceOf(IdempotencyConflictException.class);
    assertThat(store.listKindForIdentity(Q, "k", 10)).hasSize(1);
  }

  @Test
  void aSaveIntoAnEmptySlot_andOverAnother_writeOneRowEach() throws Exception {
    StateStore store = open("groupCommit=off");
    store.saveAll(List.of(record("A1", "k.a", "x"), record("B1", "k.b", "y")));
    store.save(record("A2", "k.a", "x2"));
    store.save(record("C1", "k.c", "z"));
    assertThat(store.listKindForIdentity(Q, "k.", 10))
        .extracting(r -> r.id().value())
        .containsExactly("A2", "B1", "C1");
    assertThat(xmaxOfSlot(Q, "k.a")).isEqualTo("0");
  }

  /**
   * The statements of a write's first round trip: the prelude's (its isolation, then one SELECT of
   * its settings and identity, which also takes the write's locks) and the write's own.
   */
  @Test
  void aWritesFirstRoundTrip_takesItsLocksInThePreludesSelect() {
    List<String> prepared = new CopyOnWriteArrayList<>();
    HikariDataSource pool = track(new HikariDataSource(TestServer.poolConfig(1)));
    StateStore store =
        track(
            PostgresStateStore.open(
                new ForwardingDataSource(pool) {
                  @Override
                  public Connection getConnection() throws SQLException {
                    return recording(target.getConnection(), prepared);
                  }
                },
                Map.of("schema", schema, "groupCommit", "off")));
    store.save(record("E1", "k", "v"));
    store.delete(Q, "k");
    store.saveAll(List.of(record("E2", "k", "v"), record("E3", "k2", "v")));
    store.deleteScope(Q.identity());
    List<String> writes =
        prepared.stream().filter(sql -> sql.contains("pg_current_xact_id()")).toList();
    assertThat(writes).hasSize(4);
    for (String sql : writes) {
      assertThat(sql.split("; ")).as(sql).hasSize(3);
      assertThat(sql.split("; ")[1])
          .as("the prelude's SELECT")
          .contains("pg_current_xact_id()", "pg_advisory_xact_lock(");
    }
  }

  private static Connection recording(Connection real, List<String> prepared) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          if (method.getName().equals("prepareStatement") && args[0] instanceof String sql) {
            prepared.add(sql);
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        };
    return (Connection)
        Proxy.newProxyInstance(
            SaveWriteCostTest.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  private String xmaxOfSlot(Quadruple q, String kind) throws Exception {
    try (Connection c = TestPostgres.connect();
        PreparedStatement p =
            c.prepareStatement(
                "SELECT xmax::text FROM \""
                    + schema
                    + "\".harbor_state_records WHERE tenant_id = ? AND user_id = ? AND session_id = ?"
                    + " AND run_id = ? AND kind = ?")) {
      RecordRows.bindSlot(p, 1, q, kind);
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getString(1);
      }
    }
  }
}
