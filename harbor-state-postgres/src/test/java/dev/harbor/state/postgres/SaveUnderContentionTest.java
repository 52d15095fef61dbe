package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
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
 * A save whose slot changes between its write and its check, round after round (CONTRACT.md 4.2:
 * contention never makes a save fail; only operationTimeout bounds it). The race is steered, not
 * hoped for: the store's connections tell the test when a save is about to send its upsert and when
 * it is about to look its event id up, and a second connection rewrites the slot at each point, as
 * concurrent writers of the slot would: a replay of the save's own record just before the upsert
 * (so the upsert writes nothing), an overwrite with another event just before the look-up (so the
 * look-up finds the event id gone, and the save is due again).
 */
@Timeout(60) // a steering that stops matching the store's statements would otherwise hang a case
class SaveUnderContentionTest extends DatabaseTest {

  private static final String KIND = "k";

  private HikariDataSource pool;
  private Connection writer;

  /** How many more rounds of the save the second connection makes fail; 0 stops steering. */
  private final AtomicInteger roundsToSpoil = new AtomicInteger();

  /** Rounds spoiled so far. */
  private final AtomicInteger spoiled = new AtomicInteger();

  /** The save whose rounds are spoiled; null until a test arms the steering. */
  private volatile StateRecord target;

  /** Whether the round in flight had its replay put in place, so its look-up is due a change. */
  private volatile boolean replayInPlace;

  private StateStore openSteered(String groupCommit, Duration operationTimeout)
      throws SQLException {
    // Tracked before the store, so closed after it.
    pool = track(new HikariDataSource(TestServer.poolConfig(2)));
    writer = track(TestPostgres.connect());
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
  void save_whoseSlotChangesUnderItManyMoreTimesThanEight_succeeds(String groupCommit)
      throws Exception {
    StateStore store = openSteered(groupCommit, Duration.ofSeconds(20));
    int rounds = 40;
    StateRecord r = spoilRoundsOfASave(store, rounds);

    store.save(r); // the contract: it succeeds once the slot stops changing under it

    assertThat(spoiled).as("rounds that found the slot changed").hasValue(rounds);
    assertThat(store.load(Q, KIND).id()).isEqualTo(r.id());
    assertThat(store.load(Q, KIND).bytes()).asString().isEqualTo("mine");
  }

  @ParameterizedTest
  @ValueSource(strings = {"off", "on"})
  void save_whoseSlotKeepsChangingPastOperationTimeout_failsThenAsTransient(String groupCommit)
      throws Exception {
    Duration timeout = Duration.ofSeconds(2);
    StateStore store = openSteered(groupCommit, timeout);
    StateRecord r = spoilRoundsOfASave(store, Integer.MAX_VALUE);

    long start = System.nanoTime();
    Throwable failure = null;
    try {
      store.save(r);
    } catch (RuntimeException e) {
      failure = e;
    }
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    roundsToSpoil.set(0);

    // Not after a fixed number of rounds: only once operationTimeout has run out.
    assertThat(tookMillis)
        .as("ms before the save failed")
        .isGreaterThanOrEqualTo(timeout.toMillis());
    assertThat(spoiled.get()).as("rounds that found the slot changed").isGreaterThan(8);
    assertThat(failure)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("save of event id E1")
        .hasMessageContaining(KIND)
        .hasMessageContaining("operationTimeout");
    assertThat(((StorageException) failure).isTransient()).isTrue();
    assertThat(store.findByEventId(EventId.of("E1")))
        .as("the failed save changed nothing")
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"off", "on"})
  void save_interruptedWhileItsSlotKeepsChanging_isCancelledAndChangesNothing(String groupCommit)
      throws Exception {
    StateStore store = openSteered(groupCommit, Duration.ofSeconds(20));
    StateRecord r = spoilRoundsOfASave(store, Integer.MAX_VALUE);

    BackgroundCall save = BackgroundCall.start(() -> store.save(r));
    BackgroundCall.awaitUntil(() -> spoiled.get() > 8);
    save.interrupt();
    save.join();
    roundsToSpoil.set(0);

    // The rounds end at the interrupt, as any wait in the store's hands does (CONTRACT.md 4.13).
    assertThat(save.failure()).isInstanceOf(OperationCancelledException.class);
    assertThat(save.endedInterrupted()).isTrue();
    assertThat(store.findByEventId(EventId.of("E1")))
        .as("the cancelled save changed nothing")
        .isEmpty();
  }

  /**
   * Fills the slot with another event and arms the steering: the returned record's save will find
   * its slot changed in its next {@code rounds} rounds.
   */
  private StateRecord spoilRoundsOfASave(StateStore store, int rounds) {
    store.save(record("X0", KIND, "before"));
    StateRecord r = record("E1", KIND, "mine");
    roundsToSpoil.set(rounds);
    target = r;
    return r;
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
  private void beforePrepare(String sql) throws SQLException {
    StateRecord r = target;
    if (r == null) {
      return;
    }
    if (sql.contains("pg_advisory_xact_lock(?); INSERT INTO")) {
      // A round's upsert is next: a concurrent replay of the same record gets there first, so the
      // upsert finds its event id in place and writes nothing.
      if (roundsToSpoil.getAndDecrement() > 0) {
        rewriteSlot(r.id().value(), r.version(), r.bytes());
        replayInPlace = true;
      } else {
        roundsToSpoil.set(0);
      }
    } else if (replayInPlace && sql.contains(" WHERE event_id = ")) {
      // The round's look-up is next: another writer has overwritten the slot meanwhile.
      replayInPlace = false;
      rewriteSlot("X" + spoiled.incrementAndGet(), 0, new byte[] {1});
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
