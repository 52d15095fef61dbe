package dev.harbor.state.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.testing.FaultProxy.Direction;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The proxy against the test database, through plain pgjdbc connections: it passes the protocol
 * (TLS declined for the client), and each fault does what it says. Waits are bounded by the test's
 * timeout, never by a guess of how long something takes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultProxyTest {

  private static final URI SERVER =
      URI.create(TestPostgres.url().replaceFirst("^postgres(ql)?://", "http://"));

  private FaultProxy proxy;
  private String table;

  @BeforeEach
  void startProxyAndTable() throws SQLException {
    proxy = FaultProxy.start(SERVER.getHost(), SERVER.getPort() < 0 ? 5432 : SERVER.getPort());
    table = "harbor_proxy_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
    try (Connection c = direct();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + table + " (id text PRIMARY KEY)");
    }
  }

  @AfterEach
  void stopProxyAndDropTable() throws SQLException {
    proxy.close();
    try (Connection c = direct();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + table);
    }
  }

  private static Connection connect(int port) throws SQLException {
    Properties p = new Properties();
    String user = SERVER.getUserInfo() == null ? "root" : SERVER.getUserInfo();
    p.setProperty("user", user.contains(":") ? user.substring(0, user.indexOf(':')) : user);
    if (user.contains(":")) {
      p.setProperty("password", user.substring(user.indexOf(':') + 1));
    }
    p.setProperty("sslmode", "prefer"); // the proxy declines TLS, so the client goes on in plain
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + SERVER.getPath(), p);
  }

  private Connection throughProxy() throws SQLException {
    return connect(proxy.port());
  }

  private static Connection direct() throws SQLException {
    return connect(SERVER.getPort() < 0 ? 5432 : SERVER.getPort());
  }

  private boolean stored(String id) throws SQLException {
    try (Connection c = direct();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM " + table + " WHERE id = '" + id + "'")) {
      rs.next();
      return rs.getInt(1) == 1;
    }
  }

  private static Throwable failureOf(CompletableFuture<?> call) throws InterruptedException {
    try {
      call.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the call did not end", e);
    }
  }

  @Test
  void passesTheProtocol_andCountsItsConnections() throws SQLException {
    try (Connection c = throughProxy();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 40 + 2")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(42);
      assertThat(proxy.accepted()).isEqualTo(1);
      assertThat(proxy.open()).containsExactly(1);
    }
  }

  @Test
  void location_pointsAStoreLocationAtTheProxy_keepingUserDatabaseAndOptions() {
    assertThat(proxy.location("postgres://root@127.0.0.1:5432/test?schema=s&operationTimeout=1s"))
        .isEqualTo(
            "postgres://root@127.0.0.1:" + proxy.port() + "/test?schema=s&operationTimeout=1s");
    assertThat(proxy.location("jdbc:postgresql://localhost/db"))
        .isEqualTo("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/db");
  }

  @Test
  void loseCommitAnswer_inAutocommit_theStatementCommitsAndItsAnswerNeverArrives()
      throws Exception {
    FaultProxy.Trap lost = proxy.loseCommitAnswer("INSERT INTO " + table);
    try (Connection c = throughProxy()) {
      CompletableFuture<Void> insert =
          CompletableFuture.runAsync(
              () -> {
                try (Statement s = c.createStatement()) {
                  s.execute("INSERT INTO " + table + " VALUES ('a')");
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      assertThat(lost.awaitLost(Duration.ofSeconds(20))).isTrue();
      assertThat(lost.committed()).as("the server answered success").isTrue();
      assertThat(lost.connection()).isEqualTo(1);
      assertThat(stored("a")).as("committed on the server").isTrue();
      assertThat(insert).as("the client still waits for the answer").isNotDone();
      lost.cut();
      assertThat(failureOf(insert)).hasRootCauseInstanceOf(java.io.IOException.class);
    }
  }

  @Test
  void loseCommitAnswer_inATransaction_passesTheStatementsAndLosesTheCommitsAnswer()
      throws Exception {
    FaultProxy.Trap lost = proxy.loseCommitAnswer("INSERT INTO " + table);
    try (Connection c = throughProxy()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO " + table + " VALUES ('b')");
      }
      assertThat(lost.isLost()).as("the transaction is still open").isFalse();
      CompletableFuture<Void> commit =
          CompletableFuture.runAsync(
              () -> {
                try {
                  c.commit();
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      assertThat(lost.awaitLost(Duration.ofSeconds(20))).isTrue();
      assertThat(lost.committed()).isTrue();
      assertThat(stored("b")).isTrue();
      lost.cut();
      assertThat(failureOf(commit)).isNotNull();
    }
    // One shot: the next matching statement passes.
    try (Connection c = throughProxy();
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO " + table + " VALUES ('c')");
    }
    assertThat(stored("c")).isTrue();
  }

  @Test
  void loseCommitAnswer_ofACommitTheServerRefused_saysItDidNotCommit() throws Exception {
    FaultProxy.Trap lost = proxy.loseCommitAnswer("INSERT INTO " + table);
    try (Connection c = throughProxy()) {
      CompletableFuture<Void> insert =
          CompletableFuture.runAsync(
              () -> {
                try (Statement s = c.createStatement()) {
                  s.execute("INSERT INTO " + table + " VALUES (NULL)"); // violates NOT NULL
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      assertThat(lost.awaitLost(Duration.ofSeconds(20))).isTrue();
      assertThat(lost.committed()).isFalse();
      lost.cut();
      assertThat(failureOf(insert)).isNotNull();
    }
  }

  @Test
  void dropMessage_cutsTheConnectionBeforeTheMessageReachesTheServer() throws Exception {
    FaultProxy.Trap dropped = proxy.dropCommit();
    try (Connection c = throughProxy()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO " + table + " VALUES ('d')");
      }
      assertThatThrownBy(c::commit).isInstanceOf(SQLException.class);
      assertThat(dropped.isLost()).isTrue();
      assertThat(dropped.connection()).isEqualTo(1);
    }
    assertThat(stored("d")).as("never committed").isFalse();
  }

  @Test
  void holdCommit_theServerNeverHearsTheCommitNorTheClientLeaving_untilCut() throws Exception {
    FaultProxy.Trap held = proxy.holdCommit();
    try (Connection c = throughProxy()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"); // not the COMMIT
        s.execute("INSERT INTO " + table + " VALUES ('h')");
      }
      c.setNetworkTimeout(Runnable::run, 300);
      assertThatThrownBy(c::commit).isInstanceOf(SQLException.class); // no answer: timed out
      assertThat(held.isLost()).isTrue();
    }
    // The client is gone, but the server's transaction still waits for it.
    try (Connection c = direct();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"
                    + " AND query LIKE 'INSERT INTO "
                    + table
                    + "%'")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
    held.cut();
    assertThat(stored("h")).isFalse();
  }

  @Test
  void stall_holdsTheAnswerUntilResumed() throws Exception {
    try (Connection c = throughProxy()) {
      proxy.stall(Direction.TO_CLIENT);
      CompletableFuture<Integer> query =
          CompletableFuture.supplyAsync(
              () -> {
                try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT 7")) {
                  rs.next();
                  return rs.getInt(1);
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(200); // however long it waits, nothing passes while stalled
      assertThat(query).isNotDone();
      proxy.resume(Direction.TO_CLIENT);
      assertThat(query.get(30, TimeUnit.SECONDS)).isEqualTo(7);
    }
  }

  @Test
  void stall_towardsTheServer_holdsTheStatementUntilResumed() throws Exception {
    try (Connection c = throughProxy()) {
      proxy.stall(Direction.TO_SERVER);
      CompletableFuture<Void> insert =
          CompletableFuture.runAsync(
              () -> {
                try (Statement s = c.createStatement()) {
                  s.execute("INSERT INTO " + table + " VALUES ('held')");
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(200);
      assertThat(stored("held")).as("the server has not seen it").isFalse();
      proxy.resume(Direction.TO_SERVER);
      insert.get(30, TimeUnit.SECONDS);
      assertThat(stored("held")).isTrue();
    }
  }

  @Test
  void delay_addsAtLeastTheDelayToARoundTrip() throws Exception {
    try (Connection c = throughProxy();
        Statement s = c.createStatement()) {
      proxy.delay(Direction.TO_SERVER, Duration.ofMillis(150));
      long start = System.nanoTime();
      s.execute("SELECT 1");
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(150));
      proxy.delay(Direction.TO_SERVER, Duration.ZERO);
    }
  }

  @Test
  void cut_breaksOneConnection_andLeavesTheOthers() throws Exception {
    try (Connection first = throughProxy();
        Connection second = throughProxy()) {
      assertThat(proxy.cut(1)).isTrue();
      assertThatThrownBy(
              () -> {
                try (Statement s = first.createStatement()) {
                  s.execute("SELECT 1");
                }
              })
          .isInstanceOf(SQLException.class);
      try (Statement s = second.createStatement()) {
        s.execute("SELECT 1");
      }
      assertThat(proxy.open()).containsExactly(2);
      assertThat(proxy.cutAll()).isEqualTo(1);
      assertThat(proxy.cut(2)).isFalse();
    }
  }
}
