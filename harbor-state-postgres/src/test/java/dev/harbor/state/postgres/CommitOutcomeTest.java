package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.StateStore;
import dev.harbor.state.testing.TestPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * What a caller is told when a commit's connection breaks: the outcome is unknown, and stays
 * unknown whatever a later attempt meets; and how long a vanished server can hold a call.
 */
class CommitOutcomeTest extends DatabaseTest {

  /** A commit of kind {@code slow} waits two seconds in a deferred trigger, inside the COMMIT. */
  private void slowCommits() {
    TestPostgres.execute(
        "CREATE FUNCTION \""
            + schema
            + "\".slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.kind = 'slow'"
            + " THEN PERFORM pg_sleep(2); END IF; RETURN NULL; END $$",
        "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT OR UPDATE ON \""
            + schema
            + "\".harbor_state_records DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE"
            + " FUNCTION \""
            + schema
            + "\".slow_commit()");
  }

  /**
   * Terminates the backend that sleeps in this schema's commit trigger, once it does, after running
   * {@code first}.
   */
  private void terminateTheSleepingCommit(Runnable first) throws Exception {
    int pid = Backends.awaitWaiting(applicationName(), "PgSleep", 10);
    first.run();
    Backends.terminate(applicationName(), pid);
  }

  /** The application name of this test's connections, which tells them from any other. */
  private String applicationName() {
    return "commit-" + schema;
  }

  private static Throwable failureOf(CompletableFuture<?> call) throws Exception {
    try {
      call.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void commitThatBreaks_thenARetryThatCannotReachTheServer_isStillOutcomeUnknown()
      throws Exception {
    HikariConfig hc = TestServer.poolConfig(2);
    hc.addDataSourceProperty("ApplicationName", applicationName());
    HikariDataSource pool = track(new HikariDataSource(hc));
    FailingDataSource failing = new FailingDataSource(pool);
    StateStore store = track(PostgresStateStore.open(failing, Map.of("schema", schema)));
    slowCommits();
    for (String operation : List.of("save", "saveAll")) {
      failing.failFromNowOn = false;
      CompletableFuture<Void> call =
          CompletableFuture.runAsync(
              () -> {
                if (operation.equals("save")) {
                  store.save(record("E-" + operation, "slow", "v"));
                } else {
                  store.saveAll(List.of(record("E-" + operation, "slow", "v")));
                }
              });
      // Once the first attempt's commit is in flight, every later attempt fails before the server.
      terminateTheSleepingCommit(() -> failing.failFromNowOn = true);
      Throwable failure = failureOf(call);
      assertThat(failure)
          .as(operation)
          .isInstanceOf(CommitOutcomeUnknownException.class)
          .hasCauseInstanceOf(SQLException.class);
    }
  }

  @Test
  void aServerThatVanishesMidCall_holdsTheCallAboutOperationTimeout_notLonger() throws Exception {
    FreezingProxy proxy = track(new FreezingProxy());
    URI server = URI.create(TestPostgres.url());
    String location =
        "postgres://"
            + server.getRawUserInfo()
            + "@127.0.0.1:"
            + proxy.port()
            + server.getRawPath()
            + "?schema="
            + schema
            + "&operationTimeout=2s&connectTimeout=2s";
    StateStore store = track(dev.harbor.state.StateStores.open(location));
    store.save(record("E0", "k", "v"));
    // From now on the server neither answers nor closes: a half-open connection.
    proxy.freeze();
    long start = System.nanoTime();
    Throwable failure =
        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () -> {
              try {
                store.save(record("E1", "k", "w"));
                return null;
              } catch (RuntimeException e) {
                return e;
              }
            });
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    // The save's statement was sent but never its commit (a commit is a round trip of its own), so
    // nothing can have been applied: a transient failure, not an unknown outcome (issue 23); and it
    // is reported within operationTimeout plus a short grace (bounded generously for a loaded
    // machine), not after the socket backstop and another attempt (2 s + 30 s + 2 s before).
    assertThat(failure)
        .isInstanceOfSatisfying(
            dev.harbor.state.StorageException.class, e -> assertThat(e.isTransient()).isTrue())
        .isNotInstanceOf(CommitOutcomeUnknownException.class);
    assertThat(seconds).isLessThan(10);
  }

  /** A DataSource that hands out connections until told to fail, then fails before the server. */
  private static final class FailingDataSource extends ForwardingDataSource {
    volatile boolean failFromNowOn;

    FailingDataSource(DataSource target) {
      super(target);
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (failFromNowOn) {
        throw new SQLTransientConnectionException("test: no connection available");
      }
      return target.getConnection();
    }
  }

  /**
   * A TCP proxy in front of the test server that can freeze: it then stops passing bytes either way
   * and keeps every socket open, as a server that vanished from the network would.
   */
  private static final class FreezingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean frozen;

    FreezingProxy() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread acceptor = new Thread(this::accept, "freezing-proxy");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    void freeze() {
      frozen = true;
    }

    private void accept() {
      URI target = URI.create(TestPostgres.url());
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          Socket upstream =
              new Socket(target.getHost(), target.getPort() < 0 ? 5432 : target.getPort());
          sockets.add(client);
          sockets.add(upstream);
          pump(client, upstream);
          pump(upstream, client);
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private void pump(Socket from, Socket to) {
      Thread t =
          new Thread(
              () -> {
                byte[] buffer = new byte[8192];
                try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                  int n;
                  while ((n = in.read(buffer)) >= 0) {
                    while (frozen) {
                      Thread.sleep(50); // hold the bytes: nothing passes, nothing closes
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                  }
                } catch (IOException | InterruptedException e) {
                  // a side closed: the proxy is done with this pair
                }
              },
              "freezing-proxy-pump");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws IOException {
      frozen = false;
      server.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }
}
