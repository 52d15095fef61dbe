package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.EventId;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.testing.BackgroundCall;
import dev.harbor.state.testing.TestPostgres;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A save whose slot other writers change under it (CONTRACT.md 4.2: contention never makes a save
 * fail; only operationTimeout bounds it). The race is steered, not hoped for: the store's
 * connections tell the test when a save is about to send its upsert and when it is about to look
 * its event id up, and a second connection rewrites the slot at each point, as concurrent writers
 * of the slot would.
 *
 * <p>A save's upsert and its look-up are one transaction (issue 23), under the slot's advisory lock
 * and, once the upsert found the row, the row's lock, both held to the commit: a writer that
 * changes the slot between the two waits for the save's commit, so a save is settled in one round
 * (before, the two ran as two autocommit statements and a save went round again each time the slot
 * changed in between). A writer that holds the row past operationTimeout, outside the locking
 * protocol, makes the save fail as transient, changing nothing; an interrupt meanwhile ends it as
 * cancelled once the wait inside the database ends (CONTRACT.md 4.13).
 */
@Timeout(60) // a steering that stops matching the store's statements would otherwise hang a case
class SaveUnderContentionTest extends DatabaseTest {

  private static final String KIND = "k";

  private final String applicationName = Backends.uniqueApplicationName();
  private final String writerName = Backends.uniqueApplicationName();
  private Connection writer;

  /** Upserts of the steered save prepared so far. */
  private final AtomicInteger upserts = new AtomicInteger();

  /** The save to steer; null until a test arms the steering. */
  private volatile StateRecord target;

  /** Whether the round in flight had its replay put in place, so its look-up is due a change. */
  private volatile boolean replayInPlace;

  /** The overwrite started while the save looks its event id up. */
  private volatile BackgroundCall overwrite;

  private StateStore openSteered(String groupCommit, Duration operationTimeout)
      throws SQLException {
    // Tracked before the store, so closed after it.
    HikariConfig hc = TestServer.poolConfig(2);
    hc.addDataSourceProperty("ApplicationName", applicationName);
    HikariDataSource pool = track(new HikariDataSource(hc));
    writer = track(TestPostgres.connect());
    writer.setClientInfo("ApplicationName", writerName);
    return track(
        PostgresStateStore.open(
            new SteeredDataSource(pool),
            Map.of(
                "schema",
                schema,
                "groupCommit",
                groupCommit,
                "operationTimeout",
                operationTimeout.toMillis() + "ms")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"off", "on"})
  void save_whoseSlotChangesBeforeItsUpsertAndDuringItsCheck_succeedsInOneRound(String groupCommit)
      throws Exception {
    StateStore store = openSteered(groupCommit, Duration.ofSeconds(20));
    store.save(record("X0", KIND, "before"));
    StateRecord r = record("E1", KIND, "mine");
    target = r;

    store.save(r); // the contract: it succeeds

    target = null;
    BackgroundCall o = overwrite;
    assertThat(o).as("the slot was overwritten during the save's check").isNotNull();
    o.join();
    assertThat(o.failure()).isNull();
    assertThat(upserts).as("rounds of the save").hasValue(1);
    // The overwrite waited for the save's commit, so it came after: the slot holds it.
    assertThat(store.load(Q, KIND).id().value()).isEqualTo("X1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"off", "on"})
  void save_whoseRowAWriterHoldsPastOperationTimeout_failsAsTransient_andChangesNothing(
      String groupCommit) throws Exception {
    Duration timeout = Duration.ofSeconds(2);
    StateStore store = openSteered(groupCommit, timeout);
    store.save(record("X0", KIND, "before"));
    holdTheRow();
    long start = System.nanoTime();
    Throwable failure = null;
    try {
      store.save(record("E1", KIND, "mine"));
    } catch (RuntimeException e) {
      failure = e;
    }
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    writer.rollback();

    assertThat(tookMillis).as("ms before the save failed").isGreaterThanOrEqualTo(1_000);
    assertThat(failure)
        .isInstanceOf(StorageException.class)
        .isNotInstanceOf(CommitOutcomeUnknownException.class)
        .hasMessageContaining("save of event id E1")
        .hasMessageContaining(KIND);
    assertThat(((StorageException) failure).isTransient()).isTrue();
    assertThat(store.findByEventId(EventId.of("E1"))).as("the save changed nothing").isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"off", "on"})
  void save_interruptedWhileItWaitsForTheRow_isCancelledAndChangesNothing(String groupCommit)
      throws Exception {
    StateStore store = openSteered(groupCommit, Duration.ofSeconds(3));
    store.save(record("X0", KIND, "before"));
    holdTheRow();
    BackgroundCall save = BackgroundCall.start(() -> store.save(record("E1", KIND, "mine")));
    BackgroundCall.awaitUntil(
        () -> {
          try {
            return Backends.waitingOnLock(applicationName);
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
    save.interrupt();
    save.join();
    writer.rollback();

    assertThat(save.failure()).isInstanceOf(OperationCancelledException.class);
    assertThat(save.endedInterrupted()).isTrue();
    assertThat(store.findByEventId(EventId.of("E1")))
        .as("the cancelled save changed nothing")
        .isEmpty();
  }

  /** The second connection locks the slot's row in a transaction it keeps open. */
  private void holdTheRow() throws SQLException {
    writer.setAutoCommit(false);
    rewriteSlot("X0", 0, "before".getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private String table() {
    return "\"" + schema + "\".harbor_state_records";
  }

  private static final String SLOT =
      " WHERE tenant_id = ? AND user_id = ? AND session_id = ? AND run_id = ? AND kind = ?";

  /** Rewrites the slot on the second connection: another event id, or the save's own record. */
  private void rewriteSlot(String eventId, long version, byte[] bytes) throws SQLException {
    try (PreparedStatement p =
        writer.prepareStatement(
            "UPDATE "
                + table()
                + " SET event_id = ?, version = ?, payload = ?, updated_at = now()"
                + SLOT)) {
      p.setString(1, eventId);
      p.setLong(2, version);
      p.setBytes(3, bytes);
      p.setString(4, Q.tenantId());
      p.setString(5, Q.userId());
      p.setString(6, Q.sessionId());
      p.setString(7, Q.runId());
      p.setString(8, KIND);
      assertThat(p.executeUpdate()).as("the slot's row").isEqualTo(1);
    }
  }

  /** Called as the store prepares a statement, before it is sent. */
  private void beforePrepare(String sql) throws SQLException, InterruptedException {
    StateRecord r = target;
    if (r == null) {
      return;
    }
    if (sql.contains("pg_advisory_xact_lock(?); WITH u AS (UPDATE")) {
      // The upsert is next: a concurrent replay of the same record gets there first, so the
      // upsert finds its event id in place and writes nothing.
      if (upserts.incrementAndGet() == 1) {
        rewriteSlot(r.id().value(), r.version(), r.bytes());
        replayInPlace = true;
      }
    } else if (replayInPlace && sql.contains(" WHERE event_id = ")) {
      // The look-up is next: another writer overwrites the slot meanwhile. It waits for the row,
      // which the save's transaction holds, so it runs on a thread of its own.
      replayInPlace = false;
      overwrite = BackgroundCall.start(this::overwriteSlot);
      BackgroundCall.awaitUntil(
          () -> {
            try {
              return Backends.waitingOnLock(writerName);
            } catch (SQLException e) {
              throw new IllegalStateException(e);
            }
          });
    }
  }

  private void overwriteSlot() {
    try {
      rewriteSlot("X1", 0, new byte[] {1});
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hands out connections that report each statement the store prepares before it is sent. */
  private final class SteeredDataSource extends ForwardingDataSource {

    SteeredDataSource(DataSource target) {
      super(target);
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection real = target.getConnection();
      InvocationHandler handler =
          (proxy, method, args) -> {
            if (method.getName().equals("prepareStatement")
                && args != null
                && args[0] instanceof String sql) {
              beforePrepare(sql);
            }
            try {
              return method.invoke(real, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          };
      return (Connection)
          Proxy.newProxyInstance(
              getClass().getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }
  }
}
