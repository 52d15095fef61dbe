package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.testing.HeldFence;
import dev.harbor.state.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

  /** Every tenant whose writes are paused starts with it. */
  private static final String HOG = "hog";

  private StateStore store;
  private LockPause pause;

  @BeforeEach
  void storeWithPause() throws Exception {
    store = open("operationTimeout=PT120S");
    pause = track(new LockPause(schema, "starts_with(ROW.tenant_id, '" + HOG + "')"));
    pause.release(); // held only around the calls measured
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

  /**
   * A batch across many tenants locks the table instead of its sessions; a fence holds back its
   * slot's writes still: the batch waits for it, and writes after it.
   */
  @Test
  void saveAllAcrossManyTenants_waitsForAFenceOnOneOfItsSlots() throws Exception {
    Quadruple fenced = new Quadruple("tenant7", "u", "s3", "");
    store.save(StateRecord.of(EventId.of("f0"), fenced, "k", bytes("fenced")));
    List<StateRecord> batch = new ArrayList<>();
    for (int t = 0; t < 100; t++) {
      for (int s = 0; s < 20; s++) {
        batch.add(
            StateRecord.of(
                EventId.of("w-" + t + "-" + s),
                new Quadruple("tenant" + t, "u", "s" + s, ""),
                "k",
                bytes("w")));
      }
    }
    try (HeldFence fence =
        HeldFence.start(store, SlotExpectation.exact(fenced, "k", EventId.of("f0"))).holding()) {
      CompletableFuture<Void> call = CompletableFuture.runAsync(() -> store.saveAll(batch));
      // Steered: the batch waits for the table's lock, which the fence holds ROW SHARE.
      try (Connection c = TestPostgres.connect();
          PreparedStatement p =
              c.prepareStatement(
                  "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND NOT granted AND"
                      + " mode = 'ExclusiveLock' AND relation = CAST(? AS regclass)")) {
        p.setString(1, "\"" + schema + "\".harbor_state_records");
        while (true) {
          assertThat(call).isNotDone();
          try (ResultSet rs = p.executeQuery()) {
            rs.next();
            if (rs.getLong(1) == 1) {
              break;
            }
          }
          Thread.sleep(20);
        }
      }
      // Plain reads go on meanwhile (the table's lock holds back writes, not reads).
      assertThat(store.load(fenced, "k").id().value()).isEqualTo("f0");
      fence.release();
      call.get(120, TimeUnit.SECONDS);
    }
    assertThat(store.load(fenced, "k").id().value()).isEqualTo("w-7-3");
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

  /** A call paused while holding its locks. */
  private final class Paused {
    private final CompletableFuture<Void> call;

    Paused(CompletableFuture<Void> call) {
      this.call = call;
    }

    void resume() throws Exception {
      pause.release();
      call.get(120, TimeUnit.SECONDS);
    }
  }

  /**
   * Runs the call until it is paused, asserts the entries it holds in the shared lock table, and
   * leaves it paused.
   */
  private Paused pause(Runnable action) throws Exception {
    pause.hold();
    CompletableFuture<Void> call = CompletableFuture.runAsync(action);
    try {
      pause.assertPausedFootprint(call);
    } catch (Throwable e) {
      pause.release(); // let the call end rather than wait for its operationTimeout
      throw e;
    }
    return new Paused(call);
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
