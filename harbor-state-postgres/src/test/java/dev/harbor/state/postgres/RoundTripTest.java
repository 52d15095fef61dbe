package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.EventId;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Counts what each call sends to the server: statement executions and commits (pgjdbc sends BEGIN
 * together with the first statement of a transaction, so those are the round trips).
 */
class RoundTripTest extends DatabaseTest {

  private final AtomicInteger executions = new AtomicInteger();
  private final AtomicInteger commits = new AtomicInteger();
  private HikariDataSource pool;
  private StateStore store;

  @BeforeEach
  void openCountingStore() {
    HikariConfig hc = TestServer.poolConfig(1);
    pool = new HikariDataSource(hc);
    store = PostgresStateStore.open(new CountingDataSource(pool), Map.of("schema", schema));
    store.find(Q, "warm-up"); // the connection's one-time session setup is behind us
  }

  @AfterEach
  void closePool() {
    store.close();
    pool.close();
  }

  private void reset() {
    executions.set(0);
    commits.set(0);
  }

  /**
   * A save is one statement and its commit, a round trip each: the commit travels alone so that,
   * should its answer be lost, the store knows the transaction it sent and asks the server what
   * became of it rather than applying the save again (issue 23, defect 1).
   */
  @Test
  void save_isOneStatementAndOneCommit_aReplayTwoStatements() {
    reset();
    store.save(record("E1", "k", "v"));
    assertThat(executions).hasValue(1);
    assertThat(commits).hasValue(1);
    reset();
    store.save(record("E2", "k", "w")); // overwrite
    assertThat(executions).hasValue(1);
    assertThat(commits).hasValue(1);
    reset();
    store.save(
        record(
            "E2", "k",
            "w")); // a replay, the retry path: the upsert, then a look at the stored content
    assertThat(executions).hasValue(2);
    assertThat(commits).hasValue(1);
  }

  @Test
  void saveAll_isOneStatementAndOneCommit_whateverTheBatchSize() {
    for (int size : new int[] {1, 10, 1000}) {
      List<StateRecord> batch = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        batch.add(record("B" + size + "-" + i, "k" + i, "v" + i));
      }
      reset();
      store.saveAll(batch);
      // The locks travel with the statement; the commit is explicit so a failed check rolls back.
      assertThat(executions).as("statements for %d records", size).hasValue(1);
      assertThat(commits).as("commits for %d records", size).hasValue(1);
    }
    assertThat(store.listKindForIdentity(Q, "k", 1000)).hasSize(1000);
  }

  @Test
  void saveIf_isLockAndReadThenWriteThenCommit() {
    store.save(record("G0", "k", "v"));
    reset();
    store.saveIf(
        List.of(
            SlotExpectation.exact(Q, "k", EventId.of("G0")), SlotExpectation.absent(Q, "other")),
        record("G1", "k", "w"));
    assertThat(executions).hasValue(2);
    assertThat(commits).hasValue(1);
  }

  @Test
  void deleteIfAndDeleteScope_areOneStatementAndOneCommit() {
    store.save(record("G0", "k", "v"));
    reset();
    assertThat(store.deleteIf(SlotExpectation.exact(Q, "k", EventId.of("G0")))).isTrue();
    assertThat(executions).hasValue(1);
    assertThat(commits).hasValue(1);
    store.save(record("G1", "k", "v"));
    reset();
    assertThat(store.deleteScope(Q.identity())).isEqualTo(1);
    assertThat(executions).hasValue(1);
    assertThat(commits).hasValue(1);
  }

  @Test
  void delete_isOneStatementAndOneCommit() {
    store.save(record("G0", "k", "v"));
    reset();
    store.delete(Q, "k");
    assertThat(executions).hasValue(1);
    assertThat(commits).hasValue(1);
  }

  @Test
  void borrowedConnections_keepTheirSessionSettings_theTimeoutsTravelWithEachStatement()
      throws SQLException {
    // Issue 14: the timeouts and isolation are set inside each operation's own transaction, in
    // the same round trip as its first statement, so nothing is left on the session (which a
    // transaction pooler would hand to another client) and no statement is added.
    store.save(record("E1", "k", "v"));
    store.saveIf(List.of(SlotExpectation.exact(Q, "k", EventId.of("E1"))), record("E2", "k", "w"));
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      for (String setting : new String[] {"statement_timeout", "lock_timeout"}) {
        try (java.sql.ResultSet rs = s.executeQuery("SHOW " + setting)) {
          rs.next();
          assertThat(rs.getString(1)).as(setting).isEqualTo("0");
        }
      }
    }
    reset();
    store.find(Q, "k");
    assertThat(executions).hasValue(1);
  }

  /** A DataSource that counts executions and commits of the connections it hands out. */
  private final class CountingDataSource extends ForwardingDataSource {

    CountingDataSource(DataSource target) {
      super(target);
    }

    @Override
    public Connection getConnection() throws SQLException {
      return wrap(Connection.class, target.getConnection());
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return wrap(Connection.class, target.getConnection(user, password));
    }

    private <T> T wrap(Class<T> type, T object) {
      InvocationHandler handler =
          (proxy, method, args) -> {
            count(method);
            Object result = invoke(method, object, args);
            if (result instanceof Statement s && method.getReturnType().isInterface()) {
              @SuppressWarnings("unchecked")
              Class<Statement> statementType = (Class<Statement>) method.getReturnType();
              return wrap(statementType, s);
            }
            return result;
          };
      return type.cast(
          Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, handler));
    }

    private void count(Method method) {
      String name = method.getName();
      if (name.startsWith("execute")) {
        executions.incrementAndGet();
      } else if (name.equals("commit")) {
        commits.incrementAndGet();
      }
    }

    private Object invoke(Method method, Object target, Object[] args) throws Throwable {
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }
}
