package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC 9.3 / issue 24: no call holds more than 64 entries of PostgreSQL's shared lock table,
 * whatever its batch or step, and one tenant's large batch, purge or erasure never makes another
 * tenant's write on another store instance fail.
 *
 * <p>Each footprint is counted while the call is paused holding its locks: a row trigger on the
 * records of the hog's tenants (this test's schema only) waits for an advisory key that this test
 * holds from its own connection; the call's rows in {@code pg_locks} are then counted from that
 * connection. The shared server's settings are left alone (default max_locks_per_transaction 64 ×
 * max_connections 100).
 */
class LockFootprintTest extends DatabaseTest {

  /** SPEC 9.3's bound on the shared lock table entries of one call. */
  private static final int MAX_ENTRIES = 64;

  /** Every tenant whose writes the trigger pauses starts with it. */
  private static final String HOG = "hog";

  /** The advisory key the trigger waits for; random, as advisory keys are database-wide. */
  private final long pauseKey = ThreadLocalRandom.current().nextLong(1, Integer.MAX_VALUE);

  private StateStore store;

  @BeforeEach
  void storeWithPauseTrigger() throws Exception {
    store = open("operationTimeout=PT120S");
    String table = "\"" + schema + "\".harbor_state_records";
    String function = "\"" + schema + "\".pause_hog";
    try (Connection c = TestPostgres.connect();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE FUNCTION "
              + function
              + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM"
              + " pg_advisory_xact_lock_shared("
              + pauseKey
              + "); RETURN COALESCE(NEW, OLD); END $$");
      s.execute(
          "CREATE TRIGGER pause_write BEFORE INSERT OR UPDATE ON "
              + table
              + " FOR EACH ROW WHEN (starts_with(NEW.tenant_id, '"
              + HOG
              + "')) EXECUTE FUNCTION "
              + function
              + "()");
      s.execute(
          "CREATE TRIGGER pause_delete BEFORE DELETE ON "
              + table
              + " FOR EACH ROW WHEN (starts_with(OLD.tenant_id, '"
              + HOG
              + "')) EXECUTE FUNCTION "
              + function
              + "()");
    }
  }

  @Test
  void saveAllOf20000Sessions_holdsAtMost64Entries_andAnotherTenantsSavesSucceed()
      throws Exception {
    StateStore other = open();
    List<StateRecord> batch = sessions(HOG, 20_000, "k", i -> "a-" + i);
    Paused paused = pause(() -> store.saveAll(batch));
    // While the batch holds its locks: another tenant's saves on another instance succeed.
    for (int i = 0; i < 20; i++) {
      other.save(
          StateRecord.of(
              EventId.of("o-" + i), new Quadruple("other", "u", "s" + i, ""), "k", bytes("o" + i)));
    }
    paused.resume();
    assertThat(store.find(new Quadruple(HOG, "u", "s19999", "r0"), "k")).isPresent();
  }

  @Test
  void saveAllAcrossManyTenants_holdsAtMost64Entries() throws Exception {
    List<StateRecord> batch = new ArrayList<>();
    for (int t = 0; t < 100; t++) {
      for (int s = 0; s < 20; s++) {
        batch.add(
            StateRecord.of(
                EventId.of("m-" + t + "-" + s),
                new Quadruple(HOG + t, "u", "s" + s, ""),
                "k",
                bytes("m")));
      }
    }
    pause(() -> store.saveAll(batch)).resume();
    assertThat(store.find(new Quadruple(HOG + 99, "u", "s19", ""), "k")).isPresent();
  }

  @Test
  void saveBatchIfOf2000Sessions_holdsAtMost64Entries() throws Exception {
    List<StateRecord> writes = sessions(HOG, 2_000, "k", i -> "c-" + i);
    List<SlotExpectation> expectations =
        writes.stream().map(w -> SlotExpectation.absent(w.identity(), w.kind())).toList();
    pause(() -> store.saveBatchIf(expectations, writes)).resume();
    assertThat(store.find(new Quadruple(HOG, "u", "s1999", "r0"), "k")).isPresent();
  }

  @Test
  void saveBatchIfAcrossManyTenants_holdsAtMost64Entries() throws Exception {
    List<StateRecord> writes = new ArrayList<>();
    for (int t = 0; t < 50; t++) {
      for (int s = 0; s < 10; s++) {
        writes.add(
            StateRecord.of(
                EventId.of("mc-" + t + "-" + s),
                new Quadruple(HOG + t, "u", "s" + s, ""),
                "k",
                bytes("m")));
      }
    }
    List<SlotExpectation> expectations =
        writes.stream().map(w -> SlotExpectation.absent(w.identity(), w.kind())).toList();
    pause(() -> store.saveBatchIf(expectations, writes)).resume();
    assertThat(store.find(new Quadruple(HOG + 49, "u", "s9", ""), "k")).isPresent();
  }

  @Test
  void retentionStepsOf2000Sessions_holdAtMost64Entries() throws Exception {
    store.saveAll(sessions(HOG, 2_000, "old", i -> "p-" + i));
    Instant later = Instant.now().plusSeconds(3600);
    AtomicInteger purged = new AtomicInteger();
    pause(() -> purged.set(store.purge(ListScope.MAINTENANCE, HOG, "old", later, 10_000))).resume();
    // One step deletes every record of its limit, however many sessions they span.
    assertThat(purged).hasValue(2_000);

    store.saveAll(sessions(HOG, 2_000, "k", i -> "e-" + i));
    AtomicInteger erased = new AtomicInteger();
    pause(() -> erased.set(store.eraseUser(ListScope.MAINTENANCE, HOG, "u", 10_000))).resume();
    assertThat(erased).hasValue(2_000);

    store.saveAll(sessions(HOG, 2_000, "k", i -> "f-" + i));
    pause(() -> erased.set(store.eraseTenant(ListScope.MAINTENANCE, HOG, 10_000))).resume();
    assertThat(erased).hasValue(2_000);
  }

  /**
   * Issue 24's stress test: one tenant's saveAll of 20,000 sessions and a purge of 100,000 records
   * beside another tenant's saves on another instance, which all succeed.
   */
  @Test
  void hugeBatchAndPurge_besideAnotherTenantsSaves_zeroFailures() throws Exception {
    StateStore other = open();
    for (int chunk = 0; chunk < 10; chunk++) {
      int base = chunk * 10_000;
      store.saveAll(sessions("old", 10_000, "cp", i -> "old-" + (base + i), base));
    }
    AtomicReference<Throwable> otherFailure = new AtomicReference<>();
    AtomicInteger otherSaves = new AtomicInteger();
    CompletableFuture<Void> batch =
        CompletableFuture.runAsync(() -> store.saveAll(sessions("big", 20_000, "k", i -> "b" + i)));
    CompletableFuture<Integer> purge =
        CompletableFuture.supplyAsync(
            () -> {
              int total = 0;
              for (int n;
                  (n =
                          store.purge(
                              ListScope.MAINTENANCE,
                              "old",
                              "cp",
                              Instant.now().plusSeconds(3600),
                              10_000))
                      > 0; ) {
                total += n;
              }
              return total;
            });
    while (!(batch.isDone() && purge.isDone())) {
      int i = otherSaves.getAndIncrement();
      try {
        other.save(
            StateRecord.of(
                EventId.of("x-" + i),
                new Quadruple("other", "u", "s" + (i % 50), ""),
                "k",
                bytes("x" + i)));
      } catch (RuntimeException e) {
        otherFailure.compareAndSet(null, e);
      }
    }
    batch.get();
    assertThat(purge.get()).isEqualTo(100_000);
    assertThat(otherFailure.get()).isNull();
    assertThat(otherSaves.get()).isPositive();
  }

  /** A call paused in the trigger while holding its locks. */
  private final class Paused {
    private final Connection holder;
    private final CompletableFuture<Void> call;

    Paused(Connection holder, CompletableFuture<Void> call) {
      this.holder = holder;
      this.call = call;
    }

    void resume() throws Exception {
      try (Statement s = holder.createStatement()) {
        s.execute("SELECT pg_advisory_unlock(" + pauseKey + ")");
      } finally {
        holder.close();
      }
      call.get(120, TimeUnit.SECONDS);
    }
  }

  /**
   * Runs the call until its trigger waits for the pause key, asserts the entries it holds in the
   * shared lock table, and leaves it paused.
   */
  private Paused pause(Runnable action) throws Exception {
    Connection holder = TestPostgres.connect();
    try (Statement s = holder.createStatement()) {
      s.execute("SELECT pg_advisory_lock(" + pauseKey + ")");
    }
    CompletableFuture<Void> call = CompletableFuture.runAsync(action);
    Paused paused = new Paused(holder, call);
    try {
      assertFootprint(holder, waitingPid(holder, call));
    } catch (Throwable e) {
      // Let the call go on (and end) rather than wait for its operationTimeout.
      try (Statement s = holder.createStatement()) {
        s.execute("SELECT pg_advisory_unlock_all()");
      } finally {
        holder.close();
      }
      throw e;
    }
    return paused;
  }

  private static void assertFootprint(Connection holder, int pid) throws Exception {
    try (PreparedStatement p =
        holder.prepareStatement(
            "SELECT count(*), count(*) FILTER (WHERE locktype = 'advisory') FROM pg_locks WHERE"
                + " pid = ?")) {
      p.setInt(1, pid);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
        assertThat(rs.getLong(1))
            .as("lock entries of the paused call (%d advisory)", rs.getLong(2))
            .isLessThanOrEqualTo(MAX_ENTRIES);
      }
    }
  }

  /** The backend of the call once it waits for the pause key; fails if the call ends first. */
  private int waitingPid(Connection holder, CompletableFuture<Void> call) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    try (PreparedStatement p =
        holder.prepareStatement(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0"
                + " AND objid = ? AND objsubid = 1 AND database = (SELECT oid FROM pg_database"
                + " WHERE datname = current_database())")) {
      p.setLong(1, pauseKey);
      while (true) {
        if (call.isDone()) {
          call.get(); // its failure, if it failed
          throw new AssertionError("the call ended without pausing in the trigger");
        }
        try (ResultSet rs = p.executeQuery()) {
          if (rs.next()) {
            return rs.getInt(1);
          }
        }
        assertThat(System.nanoTime()).as("the call pauses in time").isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }

  private static List<StateRecord> sessions(
      String tenant, int n, String kind, IntFunction<String> eventId) {
    return sessions(tenant, n, kind, eventId, 0);
  }

  /**
   * n records of one user of the tenant, the g-th (from base) in session g mod 20,000 and run g /
   * 20,000: one per session for up to 20,000 records from 0.
   */
  private static List<StateRecord> sessions(
      String tenant, int n, String kind, IntFunction<String> eventId, int base) {
    List<StateRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int g = base + i;
      out.add(
          StateRecord.of(
              EventId.of(eventId.apply(i)),
              new Quadruple(tenant, "u", "s" + g % 20_000, "r" + g / 20_000),
              kind,
              bytes("v" + i)));
    }
    return out;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
