package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.BOB;
import static dev.harbor.state.tck.Kit.BY_SCAN_POSITION;
import static dev.harbor.state.tck.Kit.BY_SLOT;
import static dev.harbor.state.tck.Kit.BY_SLOT_UTF16;
import static dev.harbor.state.tck.Kit.EMOJI;
import static dev.harbor.state.tck.Kit.STOP;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;
import static dev.harbor.state.tck.Kit.sorted;
import static dev.harbor.state.tck.Kit.utf8;
import static dev.harbor.state.tck.Kit.utf8Length;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.InvalidScanException;
import dev.harbor.state.ListScope;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.tck.Kit.BadSlot;
import dev.harbor.state.tck.Kit.Outcome;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit. A driver's test is a small subclass:
 *
 * <pre>{@code
 * class MyDriverTckTest extends StateStoreTck {
 *   protected StateStore newStore() {
 *     return StateStores.open(StateConfig.builder().driver("mydriver").clock(clock()).build());
 *   }
 * }
 * }</pre>
 *
 * <p>{@link #newStore()} must return a fresh, empty store built with {@link #clock()} and the
 * default options (in particular the default {@code maxPayloadBytes} of 16 MiB): the kit sets that
 * clock to check that a {@code null} {@code updatedAt} is stamped from the store's clock. The kit
 * opens a store before every scenario and closes it, then calls {@link #dispose(StateStore)}, after
 * every scenario; the leak scenario opens one more store itself. Every scenario runs for every
 * driver: there are no capability switches, no skips and no assumptions.
 *
 * <h2>The gate: every scenario of SPEC section 5</h2>
 *
 * <p><b>SaveAndLoad</b>
 *
 * <ul>
 *   <li>a saved record loads back with the same id, slot, version, bytes and updatedAt (by slot and
 *       by event id);
 *   <li>null and zero-length bytes are the same content (a replay of one by the other is a no-op);
 *   <li>saving the same event id with the same content is a no-op: updatedAt keeps its first value;
 *   <li>the same event id with different bytes, version, kind, or slot (tenant, user, session, run)
 *       is an {@code IdempotencyConflictException} and changes nothing;
 *   <li>a second event id overwrites the slot, the first id becomes unknown and may be used again;
 *   <li>an explicit updatedAt round-trips truncated to microseconds (also before 1970);
 *   <li>a null updatedAt is stamped from the store's clock, truncated to microseconds;
 *   <li>the array passed to a save and the array returned by a load are not aliased with stored
 *       state.
 * </ul>
 *
 * <p><b>UpdatedAtRange</b> (SPEC 3.3, {@code StateRecord.MIN_UPDATED_AT} to {@code
 * MAX_UPDATED_AT}): an updatedAt of exactly the minimum, exactly the maximum, or in the years 0,
 * -4712, 10000 and 200000 round-trips exactly through save, saveAll, saveIf and saveBatchIf; the
 * minimum minus 1 µs, the maximum plus 1 µs, {@code Instant.MIN} and {@code Instant.MAX} are an
 * {@code InvalidRecordException} from each of them (at a new slot and over a live record) and
 * nothing changes. One scenario per method and outcome.
 *
 * <p><b>SaveContention</b> (SPEC 4.2): 128 concurrent saves of one slot under different ids all
 * succeed and one record remains (one live id); 128 concurrent replays of one record all succeed;
 * 128 concurrent saves of one event id with different contents (same slot or other slots) store
 * exactly one, the rest get {@code IdempotencyConflictException}, nothing else.
 *
 * <p><b>Lookups</b>: load of a missing slot throws {@code RecordNotFoundException} (find is empty);
 * loadByEventId round-trips; loadByEventId of an unknown id throws {@code RecordNotFoundException}
 * (findByEventId is empty); the empty run is a slot of its own, not a wildcard.
 *
 * <p><b>IdentityRequired</b>: for each identity-scoped method (save, saveAll, saveIf, saveBatchIf,
 * deleteIf, fenceIf, find, load, delete, deleteScope, both listKindForIdentity) an all-empty
 * identity and each of tenant, user and session empty is an {@code IdentityRequiredException}, and
 * nothing changes. One scenario per method.
 *
 * <p><b>Isolation</b>: equal user, session, run and kind names under another tenant or session are
 * independent slots for save and load; delete and deleteScope touch only their own tenant and
 * session; listKindForIdentity sees only its own quadruple; an event id is global (a live id cannot
 * be reused under another tenant).
 *
 * <p><b>ConcurrentIsolation</b>: 128 concurrent listKindForIdentity callers (unbounded and
 * bounded), each beside four decoys that differ from its quadruple in exactly one of tenant (case
 * only), user, session or run (empty against non-empty), each see exactly their own record; every
 * 16th, on an interrupted thread, gets {@code OperationCancelledException} and keeps the flag;
 * nothing changes.
 *
 * <p><b>BadStrings</b>: U+0000, lone high and low surrogates, reversed pairs, more than 256 UTF-8
 * bytes (ASCII, 2- and 4-byte characters) in tenant, user, session, run, kind, event id, expected
 * event id or prefix, and an empty kind, event id or prefix are rejected ({@code
 * InvalidRecordException}; {@code InvalidScanException} for the scan's tenant and prefix) with
 * nothing changed. One scenario per method: save, saveAll, saveIf, saveBatchIf, deleteIf, fenceIf
 * (action not run), find, load, findByEventId, loadByEventId, delete, deleteScope, listKind (both),
 * listKindForIdentity (both), scanKindForTenant.
 *
 * <p><b>Validation</b>: strings of exactly 256 UTF-8 bytes are accepted in every position by every
 * method (and a scan continuation over them stays within 1366 characters); a payload of exactly 16
 * MiB is accepted and one byte more is an {@code InvalidRecordException} for save, saveAll, saveIf
 * and saveBatchIf; the order of checks is closed, then interrupted, then identity, then the rest
 * (three scenarios).
 *
 * <p><b>SaveAll</b>: applies every record; one invalid record applies nothing; one conflicting
 * record applies nothing; a replay is a no-op (updatedAt unchanged) also mixed with new records; a
 * duplicate slot, a duplicate event id in one batch are {@code InvalidRecordException}; an empty
 * list is a no-op; a null list or element is a {@code NullPointerException}.
 *
 * <p><b>SaveIf</b>: an absent expectation creates; a stale absent expectation fails with {@code
 * ConditionFailedException} and changes nothing; a multi-slot match writes next only (other slots
 * are predicates); any mismatch leaves every slot unchanged; a replay after success must expect the
 * new id (then it is a no-op); next's slot not among the expectations, empty expectations, a slot
 * listed twice are {@code InvalidRecordException}; null list, element or next is a {@code
 * NullPointerException}; next reusing a live event id of another slot is an {@code
 * IdempotencyConflictException}; 128 concurrent callers on one generation give exactly one winner
 * and 127 {@code ConditionFailedException}; the same for 128 callers expecting an absent slot.
 *
 * <p><b>SaveBatchIf</b>: all predicates hold → every write applied, predicate-only slots untouched;
 * a stale predicate changes nothing; an idempotency conflict of one write changes nothing; shape
 * errors ({@code InvalidRecordException}): empty expectations, empty writes, a duplicate
 * expectation slot, a write whose slot is not expected, a duplicate write slot, a duplicate write
 * event id; null lists or elements are a {@code NullPointerException}.
 *
 * <p><b>DeleteIf</b>: the exact generation is deleted ({@code true}, id forgotten); a stale
 * generation returns {@code false} and keeps the slot; an absent slot returns {@code false}; an
 * absent expectation, an empty kind, an incomplete identity or null are rejected with nothing
 * changed; 32 rounds of deleteIf racing a save of the next generation never delete the new
 * generation.
 *
 * <p><b>FenceIf</b>: the exact generation runs the action once; a stale or absent slot is a {@code
 * ConditionFailedException} without running it; the action's {@code RuntimeException} and {@code
 * Error} propagate as the same instance, nothing changes and the fence is released; a saveIf, a
 * saveBatchIf and a deleteIf started during the fence are still pending after 25 ms and succeed
 * after release (three scenarios); an absent expectation, an empty kind, a null expectation or a
 * null action are rejected without running it.
 *
 * <p><b>DeleteAndDeleteScope</b>: delete removes the slot and forgets its id; deleting an absent
 * slot succeeds (idempotent); deleteScope removes every kind and run of one identity and nothing
 * else and returns the count; deleteScope forgets the ids; deleteScope is idempotent (0 the second
 * time, 0 for an unknown scope).
 *
 * <p><b>Listing</b>: listKind(MAINTENANCE) returns matches across identities, each with its own
 * identity; both listKind variants without the maintenance scope are a {@code
 * MaintenanceScopeRequiredException}; an empty prefix is an {@code InvalidRecordException} for all
 * four list methods; no matches → empty; {@code %}, {@code _}, {@code \}, {@code *}, {@code ?} and
 * case match literally in every list method and the scan, also in a prefix that ends in a backslash
 * or holds a doubled one ({@code special%_\} matches {@code special%_\one} and {@code
 * special%_\\two}, not {@code specialXXone}); bounded listKind orders by (tenant, user, session,
 * run, kind) comparing UTF-8 bytes (not UTF-16, not concatenated keys) and applies the limit; its
 * limits 0, -1 and 10002 are rejected (10001 accepted); listKindForIdentity sees exactly its
 * quadruple, the empty run only the empty run; bounded listKindForIdentity orders by kind in UTF-8
 * byte order and applies the limit; its limits 0, -1 and 1001 are rejected (1000 accepted).
 *
 * <p><b>Scan</b>: paging (limits 1, 2, 3 and 256) visits every matching row of the tenant exactly
 * once in (user, session, run, kind) UTF-8 byte order, only full pages carry a continuation;
 * replaying a continuation returns the same page; replaying the continuation that led to the last
 * page returns that last page again (empty continuation), and an empty last page once its rows are
 * gone; a continuation of another tenant or another prefix is an {@code InvalidScanException};
 * garbage ({@code %%%}, {@code e30}, tampered, too long) is an {@code InvalidScanException}; limits
 * 0, -1 and 257 are an {@code InvalidScanException} (1 and 256 accepted); {@code ListScope.NONE} is
 * a {@code MaintenanceScopeRequiredException}; a scan returns only its tenant's rows (not a tenant
 * whose name extends it); 128 concurrent scans (limit 1) of 128 tenants each see only their own row
 * on a last page, and every 16th, on an interrupted thread, gets {@code
 * OperationCancelledException} and keeps the flag.
 *
 * <p><b>ScanWholeStore</b> ({@code scanAll}): paging (limits 1, 2, 3 and 1000) visits every record
 * of every tenant exactly once in (tenant, user, session, run, kind) UTF-8 byte order, only full
 * pages carry a continuation of at most 1708 characters; replaying a continuation returns the same
 * page; a continuation of {@code scanKindForTenant}, garbage or a tampered one is an {@code
 * InvalidScanException}; limits 0 and 1001 are an {@code InvalidScanException}; {@code
 * ListScope.NONE} is a {@code MaintenanceScopeRequiredException}; an empty store gives one empty
 * last page.
 *
 * <p><b>Lifecycle</b>: every method (all 19, including driverName) after close is a {@code
 * StoreClosedException}; close twice is fine; every method on an interrupted thread is an {@code
 * OperationCancelledException}, the interrupt flag stays set and nothing changes; 128 threads × 16
 * mixed operations on one store finish with zero errors; after close (and dispose) no thread the
 * store started is still alive.
 */
public abstract class StateStoreTck {

  private static final Instant START = Instant.parse("2030-01-02T03:04:05.123456789Z");
  private static final ListScope MAINTENANCE = ListScope.MAINTENANCE;
  private static final int MIB_16 = 16 * 1024 * 1024;

  private final MutableClock clock = new MutableClock(START, ZoneOffset.UTC);

  /** The store under test, fresh for every scenario. */
  private StateStore store;

  /**
   * A fresh, empty store for one test, built with {@link #clock()} and default options.
   *
   * @return an open store; the kit closes it after the test
   */
  protected abstract StateStore newStore();

  /**
   * Called after each test, after the store was closed: remove files or schemas here.
   *
   * @param store the closed store
   */
  protected void dispose(StateStore store) {}

  /**
   * The clock stores under test must stamp records with. The kit moves it; drivers only pass it on.
   *
   * @return the kit's clock
   */
  protected final Clock clock() {
    return clock;
  }

  // Final lifecycle hooks: a subclass only implements newStore()/dispose() and cannot forget an
  // annotation.

  @BeforeEach
  final void openStoreUnderTest() {
    clock.set(START);
    store = Objects.requireNonNull(newStore(), "newStore() returned null");
  }

  @AfterEach
  final void closeStoreUnderTest() {
    StateStore s = store;
    store = null;
    // A scenario that leaves its thread interrupted must not make close or dispose fail.
    Thread.interrupted();
    if (s != null) {
      try {
        s.close();
      } finally {
        dispose(s);
      }
    }
  }

  // ---- helpers shared by the scenarios ----
  // Package-private where the scenario groups kept in files of their own use them (through their
  // kit()); a driver's subclass lives in another package and does not see them: they are not API.

  /** The store under test of the running scenario. */
  StateStore store() {
    return store;
  }

  /**
   * What the store must return for {@code saved}: updatedAt truncated to micros, or the clock's
   * instant if null.
   */
  StateRecord stored(StateRecord saved) {
    Instant at = saved.updatedAt() == null ? clock.instant() : saved.updatedAt();
    return saved.withUpdatedAt(at.truncatedTo(ChronoUnit.MICROS));
  }

  /** Saves and returns what the store must return from now on. */
  StateRecord save(StateRecord record) {
    store.save(record);
    return stored(record);
  }

  /**
   * Every record the kit can see: all kit kinds start with 'k' (or 'é' for one bad-string case).
   */
  List<StateRecord> snapshot() {
    List<StateRecord> all = new ArrayList<>(store.listKind(MAINTENANCE, "k"));
    all.addAll(store.listKind(MAINTENANCE, "\u00E9"));
    return sorted(all, BY_SLOT);
  }

  /** The store holds {@code expected} at its slot and under its event id. */
  void assertHolds(StateRecord expected) {
    assertThat(store.find(expected.identity(), expected.kind()))
        .as("find %s %s", expected.identity(), expected.kind())
        .contains(expected);
    assertThat(store.findByEventId(expected.id()))
        .as("findByEventId %s", expected.id())
        .contains(expected);
  }

  void assertAbsent(Quadruple identity, String kind) {
    assertThat(store.find(identity, kind)).as("find %s %s", identity, kind).isEmpty();
  }

  void assertUnknown(EventId id) {
    assertThat(store.findByEventId(id)).as("findByEventId %s", id).isEmpty();
  }

  /** A table of calls, one per method, with valid arguments against {@code live}. */
  private Map<String, ThrowingCallable> everyStoreCall(StateRecord live, AtomicBoolean actionRan) {
    Quadruple q = live.identity();
    StateRecord fresh = record(q, "k.fresh", "fresh");
    Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
    calls.put("save", () -> store.save(fresh));
    calls.put("saveAll", () -> store.saveAll(List.of(fresh)));
    calls.put("saveIf", () -> store.saveIf(List.of(exact(live)), nextGeneration(live, "next")));
    calls.put(
        "saveBatchIf",
        () ->
            store.saveBatchIf(
                List.of(exact(live), absent(fresh)), List.of(nextGeneration(live, "n"), fresh)));
    calls.put("deleteIf", () -> store.deleteIf(exact(live)));
    calls.put("fenceIf", () -> store.fenceIf(exact(live), () -> actionRan.set(true)));
    calls.put("find", () -> store.find(q, live.kind()));
    calls.put("load", () -> store.load(q, live.kind()));
    calls.put("findByEventId", () -> store.findByEventId(live.id()));
    calls.put("loadByEventId", () -> store.loadByEventId(live.id()));
    calls.put("delete", () -> store.delete(q, live.kind()));
    calls.put("deleteScope", () -> store.deleteScope(q.identity()));
    calls.put("listKind", () -> store.listKind(MAINTENANCE, "k"));
    calls.put("listKind(limit)", () -> store.listKind(MAINTENANCE, "k", 10));
    calls.put("listKindForIdentity", () -> store.listKindForIdentity(q, "k"));
    calls.put("listKindForIdentity(limit)", () -> store.listKindForIdentity(q, "k", 10));
    calls.put(
        "scanKindForTenant", () -> store.scanKindForTenant(MAINTENANCE, q.tenantId(), "k", 10, ""));
    calls.put("scanAll", () -> store.scanAll(MAINTENANCE, 10, ""));
    return calls;
  }

  private List<StateRecord> scanAll(String tenant, String prefix, int limit) {
    List<StateRecord> rows = new ArrayList<>();
    String continuation = "";
    for (int pages = 0; ; pages++) {
      if (pages > 10_000) {
        fail("scan of %s/%s with limit %d does not end", tenant, prefix, limit);
      }
      ScanPage page = store.scanKindForTenant(MAINTENANCE, tenant, prefix, limit, continuation);
      assertThat(page.records())
          .as("page %d of limit %d", pages, limit)
          .hasSizeLessThanOrEqualTo(limit);
      if (!page.isLast()) {
        assertThat(page.records())
            .as("a page with a continuation is full (page %d, limit %d)", pages, limit)
            .hasSize(limit);
        assertThat(page.continuation().length()).isLessThanOrEqualTo(1366);
      }
      rows.addAll(page.records());
      if (page.isLast()) {
        return rows;
      }
      continuation = page.continuation();
    }
  }

  private static StateRecord at(
      String tenant, String user, String session, String run, String kind) {
    return record(
        new Quadruple(tenant, user, session, run),
        kind,
        tenant + "/" + user + "/" + session + "/" + run);
  }

  // =====================================================================================================
  /** save and load: round trips, idempotency, conflicts, timestamps and array copies. */
  @Nested
  class SaveAndLoad {

    @Test
    void save_thenLoad_roundTripsIdSlotVersionBytesAndUpdatedAt() {
      Quadruple q = ALICE.run("run-1");
      StateRecord r =
          StateRecord.builder()
              .id(EventId.newId())
              .identity(q)
              .kind("k.task.checkpoint")
              .version(42)
              .bytes(new byte[] {0, 1, 2, (byte) 0xFF, 0})
              .updatedAt(Instant.parse("2029-05-06T07:08:09.123456Z"))
              .build();
      store.save(r);

      StateRecord loaded = store.load(q, "k.task.checkpoint");
      assertThat(loaded.id()).isEqualTo(r.id());
      assertThat(loaded.identity()).isEqualTo(q);
      assertThat(loaded.kind()).isEqualTo("k.task.checkpoint");
      assertThat(loaded.version()).isEqualTo(42);
      assertThat(loaded.bytes()).containsExactly(0, 1, 2, 0xFF, 0);
      assertThat(loaded.updatedAt()).isEqualTo(Instant.parse("2029-05-06T07:08:09.123456Z"));
      assertThat(loaded).isEqualTo(r);
      assertThat(store.loadByEventId(r.id())).isEqualTo(r);
      assertHolds(r);
    }

    @Test
    void save_nullAndZeroLengthBytes_areTheSameContent() {
      Quadruple q = ALICE.run("r");
      StateRecord withNull = StateRecord.of(EventId.newId(), q, "k.null", null);
      StateRecord withEmpty = StateRecord.of(withNull.id(), q, "k.null", new byte[0]);
      StateRecord expected = save(withNull);

      assertThatCode(() -> store.save(withEmpty))
          .as("replaying null bytes as zero-length bytes")
          .doesNotThrowAnyException();
      StateRecord loaded = store.load(q, "k.null");
      assertThat(loaded.bytes()).isEmpty();
      assertThat(loaded).isEqualTo(expected).isEqualTo(stored(withEmpty));

      StateRecord emptyFirst = StateRecord.of(EventId.newId(), q, "k.empty", new byte[0]);
      StateRecord expectedEmpty = save(emptyFirst);
      assertThatCode(() -> store.save(StateRecord.of(emptyFirst.id(), q, "k.empty", null)))
          .as("replaying zero-length bytes as null bytes")
          .doesNotThrowAnyException();
      assertHolds(expectedEmpty);
    }

    @Test
    void save_sameIdSameContent_isNoOpAndKeepsUpdatedAt() {
      StateRecord r = record(ALICE.run("r"), "k.same", "v1");
      StateRecord first = save(r);

      clock.set(START.plusSeconds(3600));
      store.save(r);
      assertHolds(first);

      // updatedAt is not part of the content: an explicit other timestamp is still the same write.
      store.save(r.withUpdatedAt(Instant.parse("2040-01-01T00:00:00Z")));
      assertHolds(first);
      assertThat(store.load(r.identity(), r.kind()).updatedAt())
          .isEqualTo(START.truncatedTo(ChronoUnit.MICROS));
    }

    @Test
    void save_sameEventIdDifferentBytes_throwsIdempotencyConflict() {
      StateRecord r = save(record(ALICE.run("r"), "k.x", "original"));
      assertRejected(
          "different bytes",
          IdempotencyConflictException.class,
          () -> store.save(r.withBytes(utf8("changed")).withUpdatedAt(null)));
      assertRejected(
          "empty vs non-empty bytes",
          IdempotencyConflictException.class,
          () -> store.save(r.withBytes(null).withUpdatedAt(null)));
      assertHolds(r);
    }

    @Test
    void save_sameEventIdDifferentVersion_throwsIdempotencyConflict() {
      StateRecord r = save(record(ALICE.run("r"), "k.x", "original").withVersion(7));
      assertRejected(
          "different version",
          IdempotencyConflictException.class,
          () -> store.save(r.withVersion(8).withUpdatedAt(null)));
      assertHolds(r);
    }

    @Test
    void save_sameEventIdDifferentKind_throwsIdempotencyConflict() {
      StateRecord r = save(record(ALICE.run("r"), "k.x", "original"));
      assertRejected(
          "different kind",
          IdempotencyConflictException.class,
          () -> store.save(r.withSlot(r.identity(), "k.y").withUpdatedAt(null)));
      assertHolds(r);
      assertAbsent(r.identity(), "k.y");
    }

    @Test
    void save_sameEventIdDifferentSlot_throwsIdempotencyConflict() {
      StateRecord r = save(record(ALICE.run("r"), "k.x", "original"));
      Map<String, Quadruple> otherSlots = new LinkedHashMap<>();
      otherSlots.put("other tenant", new Quadruple("tenant-other", "user-a", "session-a", "r"));
      otherSlots.put("other user", new Quadruple("tenant-a", "user-other", "session-a", "r"));
      otherSlots.put("other session", new Quadruple("tenant-a", "user-a", "session-other", "r"));
      otherSlots.put("other run", ALICE.run("r2"));
      otherSlots.put("empty run", ALICE.sessionScoped());
      otherSlots.forEach(
          (label, q) -> {
            assertRejected(
                label, IdempotencyConflictException.class, () -> store.save(r.withSlot(q, "k.x")));
            assertAbsent(q, "k.x");
          });
      assertHolds(r);
    }

    @Test
    void save_secondEventId_overwritesSlotAndForgetsFirstId() {
      StateRecord first = save(record(ALICE.run("r"), "k.x", "one"));
      StateRecord second = save(nextGeneration(first, "two"));

      assertThat(store.load(first.identity(), "k.x")).isEqualTo(second);
      assertHolds(second);
      assertUnknown(first.id());
      assertRejected(
          "loadByEventId of the overwritten id",
          RecordNotFoundException.class,
          () -> store.loadByEventId(first.id()));

      // A forgotten id may be used again, even for another slot and content.
      StateRecord reused =
          save(StateRecord.of(first.id(), BOB.run("r"), "k.reused", utf8("again")));
      assertHolds(reused);
      assertHolds(second);
    }

    @Test
    void save_explicitUpdatedAt_roundTripsAtMicrosecondPrecision() {
      Map<String, Instant> instants = new LinkedHashMap<>();
      instants.put("k.nanos", Instant.parse("2031-02-03T04:05:06.987654321Z"));
      instants.put("k.micros", Instant.parse("2031-02-03T04:05:06.000001Z"));
      instants.put("k.second", Instant.parse("2031-02-03T04:05:06Z"));
      instants.put("k.before1970", Instant.parse("1969-12-31T23:59:59.999999999Z"));
      instants.forEach(
          (kind, at) -> store.save(record(ALICE.run("r"), kind, kind).withUpdatedAt(at)));

      assertThat(store.load(ALICE.run("r"), "k.nanos").updatedAt())
          .isEqualTo(Instant.parse("2031-02-03T04:05:06.987654Z"));
      assertThat(store.load(ALICE.run("r"), "k.micros").updatedAt())
          .isEqualTo(Instant.parse("2031-02-03T04:05:06.000001Z"));
      assertThat(store.load(ALICE.run("r"), "k.second").updatedAt())
          .isEqualTo(Instant.parse("2031-02-03T04:05:06Z"));
      assertThat(store.load(ALICE.run("r"), "k.before1970").updatedAt())
          .isEqualTo(Instant.parse("1969-12-31T23:59:59.999999Z"));
    }

    @Test
    void save_nullUpdatedAt_isStampedFromStoreClock() {
      clock.set(Instant.parse("2033-03-04T03:04:05.123456789Z"));
      StateRecord r = record(ALICE.run("r"), "k.stamped", "v");
      store.save(r);

      StateRecord loaded = store.load(r.identity(), r.kind());
      assertThat(loaded.updatedAt()).isEqualTo(Instant.parse("2033-03-04T03:04:05.123456Z"));
      assertThat(store.loadByEventId(r.id()).updatedAt())
          .isEqualTo(Instant.parse("2033-03-04T03:04:05.123456Z"));
    }

    @Test
    void save_passedArray_isNotAliased() {
      byte[] passed = {1, 2, 3};
      StateRecord r = StateRecord.of(EventId.newId(), ALICE.run("r"), "k.alias", passed);
      passed[0] = 9;
      store.save(r);
      passed[1] = 9;

      assertThat(store.load(r.identity(), r.kind()).bytes()).containsExactly(1, 2, 3);
    }

    @Test
    void load_returnedArray_isNotAliased() {
      StateRecord r =
          save(StateRecord.of(EventId.newId(), ALICE.run("r"), "k.alias", new byte[] {1, 2, 3}));
      byte[] got = store.load(r.identity(), r.kind()).bytes();
      got[0] = 9;
      byte[] byId = store.loadByEventId(r.id()).bytes();
      byId[1] = 9;
      byte[] listed = store.listKindForIdentity(r.identity(), "k").get(0).bytes();
      listed[2] = 9;

      assertThat(store.load(r.identity(), r.kind()).bytes()).containsExactly(1, 2, 3);
      assertHolds(r);
    }
  }

  // =====================================================================================================
  /** The range of updatedAt; the scenarios are in {@link UpdatedAtRangeScenarios}. */
  @Nested
  class UpdatedAtRange extends UpdatedAtRangeScenarios {
    @Override
    StateStoreTck kit() {
      return StateStoreTck.this;
    }
  }

  // =====================================================================================================
  /**
   * SPEC 4.2: contention never makes a save fail; one event id never ends up with two contents or
   * slots.
   */
  @Nested
  class SaveContention {

    @Test
    void save_128ConcurrentWritersOfOneSlot_allSucceedAndOneIsStored() {
      List<StateRecord> writes = new ArrayList<>();
      for (int i = 0; i < 128; i++) {
        writes.add(record(ALICE.run("r"), "k.contended", "writer " + i));
      }
      List<Outcome<StateRecord>> outcomes =
          Kit.runTogether(
              128,
              i ->
                  () -> {
                    store.save(writes.get(i));
                    return writes.get(i);
                  });
      Kit.failOn(
          "128 concurrent saves of one slot",
          outcomes.stream()
              .map(Outcome::error)
              .filter(Objects::nonNull)
              .collect(Collectors.toList()));
      List<StateRecord> all = snapshot();
      assertThat(all).hasSize(1);
      assertThat(writes).extracting(StateRecord::id).contains(all.get(0).id());
      long live = writes.stream().filter(w -> store.findByEventId(w.id()).isPresent()).count();
      assertThat(live).as("live event ids after last-writer-wins").isEqualTo(1);
    }

    @Test
    void save_128ConcurrentReplaysOfOneRecord_allSucceed() {
      StateRecord r = record(ALICE.run("r"), "k.replayed", "same content");
      List<Outcome<Boolean>> outcomes =
          Kit.runTogether(
              128,
              i ->
                  () -> {
                    store.save(r);
                    return Boolean.TRUE;
                  });
      Kit.failOn(
          "128 concurrent replays",
          outcomes.stream()
              .map(Outcome::error)
              .filter(Objects::nonNull)
              .collect(Collectors.toList()));
      assertThat(snapshot()).containsExactly(stored(r));
    }

    @Test
    void save_128ConcurrentWritersOfOneEventIdWithDifferentContent_exactlyOneIsStored() {
      EventId id = EventId.newId();
      List<StateRecord> writes = new ArrayList<>();
      for (int i = 0; i < 128; i++) {
        // Half write the same slot with other bytes, half write other slots: both must conflict.
        Quadruple q = i % 2 == 0 ? ALICE.run("r") : ALICE.run("r" + i);
        writes.add(StateRecord.of(id, q, "k.one.id", utf8("content " + i)));
      }
      List<Outcome<StateRecord>> outcomes =
          Kit.runTogether(
              128,
              i ->
                  () -> {
                    store.save(writes.get(i));
                    return writes.get(i);
                  });
      List<StateRecord> winners =
          outcomes.stream()
              .filter(Outcome::succeeded)
              .map(Outcome::value)
              .collect(Collectors.toList());
      Kit.failOn(
          "128 concurrent saves of one event id",
          outcomes.stream()
              .map(Outcome::error)
              .filter(e -> e != null && !(e instanceof IdempotencyConflictException))
              .collect(Collectors.toList()));
      assertThat(winners).as("saves that succeeded").hasSize(1);
      assertThat(snapshot()).containsExactly(stored(winners.get(0)));
      assertThat(store.loadByEventId(id)).isEqualTo(stored(winners.get(0)));
    }
  }

  // =====================================================================================================
  /** Lookups by slot and by event id, and the empty run. */
  @Nested
  class Lookups {

    @Test
    void load_missingSlot_throwsRecordNotFound() {
      save(record(ALICE.run("r"), "k.present", "v"));
      assertRejected(
          "load of a missing kind",
          RecordNotFoundException.class,
          () -> store.load(ALICE.run("r"), "k.missing"));
      assertRejected(
          "load of a missing run",
          RecordNotFoundException.class,
          () -> store.load(ALICE.run("other"), "k.present"));
      assertAbsent(ALICE.run("r"), "k.missing");
    }

    @Test
    void loadByEventId_liveId_roundTrips() {
      StateRecord r = save(record(ALICE.run("r"), "k.byid", "v").withVersion(3));
      assertThat(store.loadByEventId(r.id())).isEqualTo(r);
      assertThat(store.findByEventId(r.id())).contains(r);
      assertThat(store.loadByEventId(EventId.of(r.id().value())).identity())
          .isEqualTo(ALICE.run("r"));
    }

    @Test
    void loadByEventId_unknownId_throwsRecordNotFound() {
      StateRecord r = save(record(ALICE.run("r"), "k.byid", "v"));
      EventId unknown = EventId.newId();
      assertRejected(
          "unknown id", RecordNotFoundException.class, () -> store.loadByEventId(unknown));
      assertUnknown(unknown);

      store.delete(r.identity(), r.kind());
      assertRejected(
          "deleted id", RecordNotFoundException.class, () -> store.loadByEventId(r.id()));
      assertUnknown(r.id());
    }

    @Test
    void emptyRun_isItsOwnSlot() {
      StateRecord session = save(record(ALICE.sessionScoped(), "k.x", "session"));
      StateRecord run = save(record(ALICE.run("r1"), "k.x", "run"));

      assertThat(store.load(ALICE.sessionScoped(), "k.x")).isEqualTo(session);
      assertThat(store.load(ALICE.run("r1"), "k.x")).isEqualTo(run);
      assertThat(store.listKindForIdentity(ALICE.sessionScoped(), "k")).containsExactly(session);

      store.delete(ALICE.sessionScoped(), "k.x");
      assertAbsent(ALICE.sessionScoped(), "k.x");
      assertHolds(run);
      assertAbsent(ALICE.run("r2"), "k.x");
    }
  }

  // =====================================================================================================
  /** Tenant, user and session are mandatory on every identity-scoped method. */
  @Nested
  class IdentityRequired {

    private StateRecord seed;
    private List<StateRecord> before;

    @BeforeEach
    void seed() {
      seed = save(record(ALICE.run("r"), "k.seed", "seed"));
      before = snapshot();
    }

    /**
     * Each incomplete identity makes {@code call} throw IdentityRequiredException; nothing changes.
     */
    private void forEachIncomplete(Function<Quadruple, ThrowingCallable> call) {
      Kit.incompleteIdentities()
          .forEach(
              (label, id) ->
                  assertRejected(label, IdentityRequiredException.class, call.apply(id.run("r"))));
      assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void save_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(q -> () -> store.save(record(q, "k.x", "v")));
    }

    @Test
    void saveAll_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(
          q ->
              () ->
                  store.saveAll(
                      List.of(record(ALICE.run("r"), "k.ok", "v"), record(q, "k.x", "v"))));
    }

    @Test
    void saveIf_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(
          q ->
              () -> {
                StateRecord next = record(q, "k.x", "v");
                store.saveIf(List.of(absent(next)), next);
              });
      forEachIncomplete(
          q ->
              () -> {
                StateRecord next = record(ALICE.run("r"), "k.ok", "v");
                store.saveIf(List.of(absent(next), SlotExpectation.absent(q, "k.x")), next);
              });
    }

    @Test
    void saveBatchIf_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(
          q ->
              () -> {
                StateRecord ok = record(ALICE.run("r"), "k.ok", "v");
                StateRecord bad = record(q, "k.x", "v");
                store.saveBatchIf(List.of(absent(ok), absent(bad)), List.of(ok, bad));
              });
      forEachIncomplete(
          q ->
              () -> {
                StateRecord ok = record(ALICE.run("r"), "k.ok", "v");
                store.saveBatchIf(
                    List.of(absent(ok), SlotExpectation.absent(q, "k.x")), List.of(ok));
              });
    }

    @Test
    void deleteIf_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(q -> () -> store.deleteIf(SlotExpectation.exact(q, "k.seed", seed.id())));
    }

    @Test
    void fenceIf_incompleteIdentity_throwsIdentityRequired() {
      AtomicBoolean ran = new AtomicBoolean();
      forEachIncomplete(
          q ->
              () ->
                  store.fenceIf(
                      SlotExpectation.exact(q, "k.seed", seed.id()), () -> ran.set(true)));
      assertThat(ran).as("action ran").isFalse();
    }

    @Test
    void find_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(q -> () -> store.find(q, "k.seed"));
    }

    @Test
    void load_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(q -> () -> store.load(q, "k.seed"));
    }

    @Test
    void delete_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(q -> () -> store.delete(q, "k.seed"));
    }

    @Test
    void deleteScope_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(q -> () -> store.deleteScope(q.identity()));
    }

    @Test
    void listKindForIdentity_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(q -> () -> store.listKindForIdentity(q, "k"));
    }

    @Test
    void listKindForIdentityWithLimit_incompleteIdentity_throwsIdentityRequired() {
      forEachIncomplete(q -> () -> store.listKindForIdentity(q, "k", 10));
    }
  }

  // =====================================================================================================
  /** Cross-tenant and cross-session isolation. */
  @Nested
  class Isolation {

    private final Quadruple mine = new Quadruple("tenant-1", "user", "session", "run");
    private final Quadruple otherTenant = new Quadruple("tenant-2", "user", "session", "run");
    private final Quadruple otherSession = new Quadruple("tenant-1", "user", "session-2", "run");
    private final Quadruple otherUser = new Quadruple("tenant-1", "user-2", "session", "run");

    @Test
    void saveAndLoad_sameNamesUnderOtherTenantOrSession_areIndependentSlots() {
      StateRecord a = save(record(mine, "k.x", "mine"));
      StateRecord b = save(record(otherTenant, "k.x", "other tenant"));
      StateRecord c = save(record(otherSession, "k.x", "other session"));
      StateRecord d = save(record(otherUser, "k.x", "other user"));

      assertThat(store.load(mine, "k.x")).isEqualTo(a);
      assertThat(store.load(otherTenant, "k.x")).isEqualTo(b);
      assertThat(store.load(otherSession, "k.x")).isEqualTo(c);
      assertThat(store.load(otherUser, "k.x")).isEqualTo(d);
      assertAbsent(new Quadruple("tenant-3", "user", "session", "run"), "k.x");
    }

    @Test
    void delete_removesOnlyItsOwnTenantAndSession() {
      save(record(mine, "k.x", "mine"));
      StateRecord b = save(record(otherTenant, "k.x", "other tenant"));
      StateRecord c = save(record(otherSession, "k.x", "other session"));
      StateRecord d = save(record(otherUser, "k.x", "other user"));

      store.delete(mine, "k.x");
      assertAbsent(mine, "k.x");
      assertHolds(b);
      assertHolds(c);
      assertHolds(d);
    }

    @Test
    void deleteScope_removesOnlyItsOwnTenantAndSession() {
      save(record(mine, "k.x", "mine"));
      save(record(mine.identity().sessionScoped(), "k.y", "mine too"));
      StateRecord b = save(record(otherTenant, "k.x", "other tenant"));
      StateRecord c = save(record(otherSession, "k.x", "other session"));
      StateRecord d = save(record(otherUser, "k.x", "other user"));

      assertThat(store.deleteScope(mine.identity())).isEqualTo(2);
      assertThat(snapshot()).containsExactlyInAnyOrder(b, c, d);
    }

    @Test
    void listKindForIdentity_seesOnlyItsOwnQuadruple() {
      StateRecord a = save(record(mine, "k.x", "mine"));
      StateRecord b = save(record(otherTenant, "k.x", "other tenant"));
      StateRecord c = save(record(otherSession, "k.x", "other session"));
      StateRecord d = save(record(otherUser, "k.x", "other user"));

      assertThat(store.listKindForIdentity(mine, "k")).containsExactly(a);
      assertThat(store.listKindForIdentity(mine, "k", 1000)).containsExactly(a);
      assertThat(store.listKindForIdentity(otherTenant, "k")).containsExactly(b);
      assertThat(store.listKindForIdentity(otherSession, "k", 10)).containsExactly(c);
      assertThat(store.listKindForIdentity(otherUser, "k.x")).containsExactly(d);
    }

    @Test
    void eventIds_areGlobal_aLiveIdCannotBeReusedUnderAnotherTenant() {
      StateRecord a = save(record(mine, "k.x", "mine"));
      assertRejected(
          "same id under another tenant",
          IdempotencyConflictException.class,
          () -> store.save(a.withSlot(otherTenant, "k.x").withUpdatedAt(null)));
      assertAbsent(otherTenant, "k.x");
      assertThat(store.findByEventId(a.id())).contains(a);
    }
  }

  // =====================================================================================================
  /** Isolation under concurrency; the scenarios are in {@link ConcurrentIsolationScenarios}. */
  @Nested
  class ConcurrentIsolation extends ConcurrentIsolationScenarios {
    @Override
    StateStoreTck kit() {
      return StateStoreTck.this;
    }
  }

  // =====================================================================================================
  /** SPEC 4.1 string rules, for every method, with nothing changed by a rejected call. */
  @Nested
  class BadStrings {

    private final Quadruple q = ALICE.run("r");
    private StateRecord seed;
    private List<StateRecord> before;

    @BeforeEach
    void seed() {
      seed = save(record(q, "k.seed", "seed"));
      before = snapshot();
    }

    private void assertUnchanged() {
      assertThat(snapshot()).as("store content after rejected calls").isEqualTo(before);
    }

    /** Records with one bad position: every bad slot, then every bad event id at a good slot. */
    private Map<String, StateRecord> badRecords() {
      Map<String, StateRecord> records = new LinkedHashMap<>();
      for (BadSlot b : Kit.badSlots(q, "k.new")) {
        records.put(b.label(), record(b.identity(), b.kind(), "v"));
      }
      Kit.badKeys()
          .forEach(
              (label, id) ->
                  records.put(
                      "event id: " + label, StateRecord.of(EventId.of(id), q, "k.new", utf8("v"))));
      return records;
    }

    @Test
    void save_badStrings_throwInvalidRecordAndChangeNothing() {
      badRecords()
          .forEach(
              (label, r) ->
                  assertRejected(label, InvalidRecordException.class, () -> store.save(r)));
      assertUnchanged();
    }

    @Test
    void saveAll_badStrings_throwInvalidRecordAndChangeNothing() {
      badRecords()
          .forEach(
              (label, r) ->
                  assertRejected(
                      label,
                      InvalidRecordException.class,
                      () -> store.saveAll(List.of(record(q, "k.good", "good"), r))));
      assertUnchanged();
    }

    @Test
    void saveIf_badStrings_throwInvalidRecordAndChangeNothing() {
      badRecords()
          .forEach(
              (label, r) ->
                  assertRejected(
                      "next " + label,
                      InvalidRecordException.class,
                      () -> store.saveIf(List.of(absent(r)), r)));
      StateRecord good = record(q, "k.good", "good");
      for (BadSlot b : Kit.badSlots(q, "k.other")) {
        assertRejected(
            "expectation " + b.label(),
            InvalidRecordException.class,
            () ->
                store.saveIf(
                    List.of(absent(good), SlotExpectation.absent(b.identity(), b.kind())), good));
      }
      Kit.badStrings()
          .forEach(
              (label, id) ->
                  assertRejected(
                      "expected event id " + label,
                      InvalidRecordException.class,
                      () ->
                          store.saveIf(
                              List.of(
                                  absent(good), SlotExpectation.exact(q, "k.seed", EventId.of(id))),
                              good)));
      assertUnchanged();
    }

    @Test
    void saveBatchIf_badStrings_throwInvalidRecordAndChangeNothing() {
      StateRecord good = record(q, "k.good", "good");
      badRecords()
          .forEach(
              (label, r) ->
                  assertRejected(
                      "write " + label,
                      InvalidRecordException.class,
                      () -> store.saveBatchIf(List.of(absent(good), absent(r)), List.of(good, r))));
      for (BadSlot b : Kit.badSlots(q, "k.other")) {
        assertRejected(
            "expectation " + b.label(),
            InvalidRecordException.class,
            () ->
                store.saveBatchIf(
                    List.of(absent(good), SlotExpectation.absent(b.identity(), b.kind())),
                    List.of(good)));
      }
      Kit.badStrings()
          .forEach(
              (label, id) ->
                  assertRejected(
                      "expected event id " + label,
                      InvalidRecordException.class,
                      () ->
                          store.saveBatchIf(
                              List.of(
                                  absent(good), SlotExpectation.exact(q, "k.seed", EventId.of(id))),
                              List.of(good))));
      assertUnchanged();
    }

    @Test
    void deleteIf_badStrings_throwInvalidRecordAndChangeNothing() {
      for (BadSlot b : Kit.badSlots(q, "k.seed")) {
        assertRejected(
            b.label(),
            InvalidRecordException.class,
            () -> store.deleteIf(SlotExpectation.exact(b.identity(), b.kind(), seed.id())));
      }
      Kit.badStrings()
          .forEach(
              (label, id) ->
                  assertRejected(
                      "expected event id " + label,
                      InvalidRecordException.class,
                      () -> store.deleteIf(SlotExpectation.exact(q, "k.seed", EventId.of(id)))));
      assertUnchanged();
    }

    @Test
    void fenceIf_badStrings_throwInvalidRecordWithoutRunningTheAction() {
      AtomicInteger runs = new AtomicInteger();
      for (BadSlot b : Kit.badSlots(q, "k.seed")) {
        assertRejected(
            b.label(),
            InvalidRecordException.class,
            () ->
                store.fenceIf(
                    SlotExpectation.exact(b.identity(), b.kind(), seed.id()),
                    runs::incrementAndGet));
      }
      Kit.badStrings()
          .forEach(
              (label, id) ->
                  assertRejected(
                      "expected event id " + label,
                      InvalidRecordException.class,
                      () ->
                          store.fenceIf(
                              SlotExpectation.exact(q, "k.seed", EventId.of(id)),
                              runs::incrementAndGet)));
      assertThat(runs).as("action runs").hasValue(0);
      assertUnchanged();
    }

    @Test
    void find_badStrings_throwInvalidRecord() {
      for (BadSlot b : Kit.badSlots(q, "k.seed")) {
        assertRejected(
            b.label(), InvalidRecordException.class, () -> store.find(b.identity(), b.kind()));
      }
      assertUnchanged();
    }

    @Test
    void load_badStrings_throwInvalidRecord() {
      for (BadSlot b : Kit.badSlots(q, "k.seed")) {
        assertRejected(
            b.label(), InvalidRecordException.class, () -> store.load(b.identity(), b.kind()));
      }
      assertUnchanged();
    }

    @Test
    void findByEventId_badStrings_throwInvalidRecord() {
      Kit.badKeys()
          .forEach(
              (label, id) ->
                  assertRejected(
                      label,
                      InvalidRecordException.class,
                      () -> store.findByEventId(EventId.of(id))));
      assertRejected(
          "null event id",
          InvalidRecordException.class,
          () -> store.findByEventId(EventId.of(null)));
      assertUnchanged();
    }

    @Test
    void loadByEventId_badStrings_throwInvalidRecord() {
      Kit.badKeys()
          .forEach(
              (label, id) ->
                  assertRejected(
                      label,
                      InvalidRecordException.class,
                      () -> store.loadByEventId(EventId.of(id))));
      assertUnchanged();
    }

    @Test
    void delete_badStrings_throwInvalidRecordAndChangeNothing() {
      for (BadSlot b : Kit.badSlots(q, "k.seed")) {
        assertRejected(
            b.label(), InvalidRecordException.class, () -> store.delete(b.identity(), b.kind()));
      }
      assertUnchanged();
    }

    @Test
    void deleteScope_badStrings_throwInvalidRecordAndChangeNothing() {
      Kit.badIdentities(ALICE)
          .forEach(
              (label, id) ->
                  assertRejected(label, InvalidRecordException.class, () -> store.deleteScope(id)));
      assertUnchanged();
    }

    @Test
    void listKind_badPrefix_throwsInvalidRecord() {
      Kit.badKeys()
          .forEach(
              (label, prefix) ->
                  assertRejected(
                      label,
                      InvalidRecordException.class,
                      () -> store.listKind(MAINTENANCE, prefix)));
    }

    @Test
    void listKindWithLimit_badPrefix_throwsInvalidRecord() {
      Kit.badKeys()
          .forEach(
              (label, prefix) ->
                  assertRejected(
                      label,
                      InvalidRecordException.class,
                      () -> store.listKind(MAINTENANCE, prefix, 10)));
    }

    @Test
    void listKindForIdentity_badStrings_throwInvalidRecord() {
      for (BadSlot b : Kit.badSlots(q, "k")) {
        assertRejected(
            b.label(),
            InvalidRecordException.class,
            () -> store.listKindForIdentity(b.identity(), b.kind()));
      }
    }

    @Test
    void listKindForIdentityWithLimit_badStrings_throwInvalidRecord() {
      for (BadSlot b : Kit.badSlots(q, "k")) {
        assertRejected(
            b.label(),
            InvalidRecordException.class,
            () -> store.listKindForIdentity(b.identity(), b.kind(), 10));
      }
    }

    @Test
    void scanKindForTenant_badTenantOrPrefix_throwsInvalidScan() {
      Kit.badKeys()
          .forEach(
              (label, s) -> {
                assertRejected(
                    "tenant " + label,
                    InvalidScanException.class,
                    () -> store.scanKindForTenant(MAINTENANCE, s, "k", 10, ""));
                assertRejected(
                    "prefix " + label,
                    InvalidScanException.class,
                    () -> store.scanKindForTenant(MAINTENANCE, ALICE.tenantId(), s, 10, ""));
              });
    }
  }

  // =====================================================================================================
  /** Boundaries of SPEC 4.1 and the order of its checks. */
  @Nested
  class Validation {

    @Test
    void stringsOfExactly256Utf8Bytes_areAcceptedEverywhere() {
      String tenant = "k" + "a".repeat(255);
      String user = "k" + "\u00E9".repeat(127) + "a";
      String session = "k" + "\u20AC".repeat(85);
      String run = EMOJI.repeat(64);
      String kind = "k" + STOP.repeat(85);
      String id = "k" + "ab".repeat(127) + "c";
      for (String s : List.of(tenant, user, session, run, kind, id)) {
        assertThat(utf8Length(s)).as("test data").isEqualTo(256);
      }
      Quadruple q = new Quadruple(tenant, user, session, run);
      StateRecord r = save(StateRecord.of(EventId.of(id), q, kind, utf8("max")));

      assertThat(store.load(q, kind)).isEqualTo(r);
      assertHolds(r);
      assertThat(store.loadByEventId(EventId.of(id))).isEqualTo(r);
      assertThat(store.listKindForIdentity(q, kind)).containsExactly(r);
      assertThat(store.listKindForIdentity(q, kind, 1000)).containsExactly(r);
      assertThat(store.listKind(MAINTENANCE, kind)).containsExactly(r);
      assertThat(store.listKind(MAINTENANCE, kind, 10001)).containsExactly(r);
      assertThat(store.scanKindForTenant(MAINTENANCE, tenant, kind, 256, "").records())
          .containsExactly(r);
      store.saveIf(List.of(exact(r)), r);
      store.saveAll(List.of(r));
      AtomicBoolean ran = new AtomicBoolean();
      store.fenceIf(exact(r), () -> ran.set(true));
      assertThat(ran).isTrue();
      assertHolds(r);

      // A continuation positioned at maximal components stays within its 1366 characters and
      // resumes.
      String user2 = "k" + "\u00E9".repeat(127) + "b";
      StateRecord r2 =
          save(
              StateRecord.of(
                  EventId.newId(),
                  new Quadruple(tenant, user2, session, run),
                  kind,
                  utf8("max 2")));
      ScanPage first = store.scanKindForTenant(MAINTENANCE, tenant, "k", 1, "");
      assertThat(first.records()).containsExactly(r);
      assertThat(first.continuation()).isNotEmpty();
      assertThat(first.continuation().length()).isLessThanOrEqualTo(1366);
      ScanPage second = store.scanKindForTenant(MAINTENANCE, tenant, "k", 1, first.continuation());
      assertThat(second.records()).containsExactly(r2);
      assertThat(second.isLast()).isTrue();

      assertThat(store.deleteIf(exact(r))).isTrue();
      store.saveBatchIf(List.of(absent(r)), List.of(r));
      assertHolds(r);
      store.delete(q, kind);
      assertAbsent(q, kind);
      assertThat(store.deleteScope(new Identity(tenant, user2, session))).isEqualTo(1);
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void payloadOfExactly16MiB_isAccepted_oneByteMoreIsRejected() {
      byte[] max = new byte[MIB_16];
      Arrays.fill(max, (byte) 0x5A);
      max[0] = 1;
      max[MIB_16 - 1] = 2;
      StateRecord big = StateRecord.of(EventId.newId(), ALICE.run("r"), "k.big", max);
      store.save(big);
      StateRecord loaded = store.load(big.identity(), "k.big");
      assertThat(loaded.size()).isEqualTo(MIB_16);
      assertThat(loaded.sameBytes(big)).as("16 MiB payload round-trips").isTrue();
      List<StateRecord> before = snapshot();

      StateRecord tooBig =
          StateRecord.of(EventId.newId(), ALICE.run("r"), "k.too.big", new byte[MIB_16 + 1]);
      assertRejected("save", InvalidRecordException.class, () -> store.save(tooBig));
      assertRejected(
          "saveAll",
          InvalidRecordException.class,
          () -> store.saveAll(List.of(record(ALICE.run("r"), "k.small", "s"), tooBig)));
      assertRejected(
          "saveIf",
          InvalidRecordException.class,
          () -> store.saveIf(List.of(absent(tooBig)), tooBig));
      assertRejected(
          "saveBatchIf",
          InvalidRecordException.class,
          () -> store.saveBatchIf(List.of(absent(tooBig)), List.of(tooBig)));
      assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void closedStore_isCheckedBeforeInterruptIdentityAndInput() {
      store.close();
      StateRecord bad = StateRecord.of(EventId.of(""), new Quadruple("", "", "", ""), "", null);
      assertRejected("save of a bad record", StoreClosedException.class, () -> store.save(bad));
      assertRejected(
          "deleteIf of an absent expectation",
          StoreClosedException.class,
          () -> store.deleteIf(absent(bad)));
      assertRejected(
          "listKind without scope",
          StoreClosedException.class,
          () -> store.listKind(ListScope.NONE, ""));
      assertRejected(
          "scan with every argument wrong",
          StoreClosedException.class,
          () -> store.scanKindForTenant(ListScope.NONE, "", "", 0, "%%%"));
      Thread.currentThread().interrupt();
      try {
        assertRejected(
            "save of a bad record on an interrupted thread",
            StoreClosedException.class,
            () -> store.save(bad));
      } finally {
        Thread.interrupted();
      }
    }

    @Test
    void interruptedCaller_isCheckedBeforeIdentityAndInput() {
      StateRecord bad = StateRecord.of(EventId.of(""), new Quadruple("", "", "", ""), "", null);
      Thread.currentThread().interrupt();
      try {
        assertRejected("save", OperationCancelledException.class, () -> store.save(bad));
        assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag stays set").isTrue();
        assertRejected(
            "load", OperationCancelledException.class, () -> store.load(bad.identity(), ""));
        assertRejected(
            "deleteIf", OperationCancelledException.class, () -> store.deleteIf(absent(bad)));
        assertRejected(
            "listKind",
            OperationCancelledException.class,
            () -> store.listKind(ListScope.NONE, ""));
        assertRejected(
            "scan",
            OperationCancelledException.class,
            () -> store.scanKindForTenant(ListScope.NONE, "", "", 0, "%%%"));
        assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag stays set").isTrue();
      } finally {
        Thread.interrupted();
      }
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void incompleteIdentity_isCheckedBeforeTheRest() {
      Quadruple incomplete = new Quadruple("tenant", "", "session", "\u0000");
      StateRecord bad = StateRecord.of(EventId.of(""), incomplete, "", new byte[MIB_16 + 1]);
      assertRejected("save", IdentityRequiredException.class, () -> store.save(bad));
      assertRejected(
          "saveAll", IdentityRequiredException.class, () -> store.saveAll(List.of(bad, bad)));
      assertRejected(
          "saveIf with no expectations",
          IdentityRequiredException.class,
          () -> store.saveIf(List.of(), bad));
      assertRejected(
          "deleteIf absent", IdentityRequiredException.class, () -> store.deleteIf(absent(bad)));
      assertRejected(
          "load with bad kind",
          IdentityRequiredException.class,
          () -> store.load(incomplete, "\u0000"));
      assertRejected(
          "listKindForIdentity with empty prefix",
          IdentityRequiredException.class,
          () -> store.listKindForIdentity(incomplete, "", 0));
      assertThat(snapshot()).isEmpty();
    }
  }

  // =====================================================================================================
  /** saveAll: the atomic bulk path. */
  @Nested
  class SaveAll {

    @Test
    void saveAll_appliesEveryRecord() {
      StateRecord a = record(ALICE.run("r"), "k.a", "a");
      StateRecord b = record(ALICE.sessionScoped(), "k.b", "b").withVersion(5);
      StateRecord c = record(BOB.run("r"), "k.a", "c");
      store.saveAll(List.of(a, b, c));
      assertHolds(stored(a));
      assertHolds(stored(b));
      assertHolds(stored(c));
      assertThat(snapshot()).hasSize(3);
    }

    @Test
    void saveAll_oneInvalidRecord_appliesNothing() {
      StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
      List<StateRecord> before = snapshot();
      StateRecord a = record(ALICE.run("r"), "k.a", "a");
      StateRecord bad = record(ALICE.run("r"), "", "bad kind");
      assertRejected(
          "batch with an empty kind",
          InvalidRecordException.class,
          () -> store.saveAll(List.of(a, nextGeneration(live, "n"), bad)));
      assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void saveAll_oneConflictingRecord_appliesNothing() {
      StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
      StateRecord other = save(record(ALICE.run("r"), "k.other", "other"));
      List<StateRecord> before = snapshot();
      StateRecord a = record(ALICE.run("r"), "k.a", "a");
      StateRecord overwrite = nextGeneration(other, "overwrite");
      StateRecord conflicting = live.withBytes(utf8("changed")).withUpdatedAt(null);
      StateRecord b = record(BOB.run("r"), "k.b", "b");
      assertRejected(
          "batch with a conflicting replay",
          IdempotencyConflictException.class,
          () -> store.saveAll(List.of(a, overwrite, conflicting, b)));
      assertThat(snapshot()).isEqualTo(before);
      assertUnknown(a.id());
      assertUnknown(overwrite.id());
    }

    @Test
    void saveAll_replay_isIdempotent() {
      StateRecord a = record(ALICE.run("r"), "k.a", "a");
      StateRecord b = record(ALICE.run("r"), "k.b", "b");
      store.saveAll(List.of(a, b));
      List<StateRecord> before = snapshot();

      clock.set(START.plusSeconds(60));
      store.saveAll(List.of(a, b));
      assertThat(snapshot()).isEqualTo(before);

      StateRecord c = record(ALICE.run("r"), "k.c", "c");
      store.saveAll(List.of(b, c, a));
      assertHolds(stored(a).withUpdatedAt(START.truncatedTo(ChronoUnit.MICROS)));
      assertHolds(stored(c));
      assertThat(store.load(b.identity(), "k.b").updatedAt())
          .isEqualTo(START.truncatedTo(ChronoUnit.MICROS));
      assertThat(snapshot()).hasSize(3);
    }

    @Test
    void saveAll_duplicateSlotInBatch_throwsInvalidRecord() {
      StateRecord a = record(ALICE.run("r"), "k.a", "a");
      StateRecord sameSlot = nextGeneration(a, "again");
      assertRejected(
          "same slot twice",
          InvalidRecordException.class,
          () -> store.saveAll(List.of(a, sameSlot)));
      assertRejected(
          "same record twice", InvalidRecordException.class, () -> store.saveAll(List.of(a, a)));
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void saveAll_duplicateEventIdInBatch_throwsInvalidRecord() {
      StateRecord a = record(ALICE.run("r"), "k.a", "a");
      StateRecord sameId = a.withSlot(ALICE.run("r"), "k.b");
      assertRejected(
          "same event id at two slots",
          InvalidRecordException.class,
          () -> store.saveAll(List.of(a, sameId)));
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void saveAll_emptyList_isNoOp() {
      StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
      store.saveAll(List.of());
      assertThat(snapshot()).containsExactly(live);
    }

    @Test
    void saveAll_nullListOrElement_throwsNullPointer() {
      assertRejected("null list", NullPointerException.class, () -> store.saveAll(null));
      List<StateRecord> withNull = Arrays.asList(record(ALICE.run("r"), "k.a", "a"), null);
      assertRejected("null element", NullPointerException.class, () -> store.saveAll(withNull));
      assertThat(snapshot()).isEmpty();
    }
  }

  // =====================================================================================================
  /** saveIf: multi-slot compare-and-swap. */
  @Nested
  class SaveIf {

    @Test
    void saveIf_absentExpectation_createsRecord() {
      StateRecord r = record(ALICE.run("r"), "k.cas", "v1");
      store.saveIf(List.of(absent(r)), r);
      assertHolds(stored(r));
    }

    @Test
    void saveIf_staleAbsentExpectation_throwsConditionFailedAndChangesNothing() {
      StateRecord live = save(record(ALICE.run("r"), "k.cas", "v1"));
      StateRecord next = nextGeneration(live, "v2");
      assertRejected(
          "absent expected, slot present",
          ConditionFailedException.class,
          () -> store.saveIf(List.of(absent(next)), next));
      assertHolds(live);
      assertUnknown(next.id());
    }

    @Test
    void saveIf_multiSlotMatch_writesNextOnly() {
      StateRecord a = save(record(ALICE.run("r"), "k.a", "a1"));
      StateRecord b = save(record(ALICE.run("r"), "k.b", "b1"));
      StateRecord next = nextGeneration(a, "a2");
      SlotExpectation cAbsent = SlotExpectation.absent(ALICE.run("r"), "k.c");
      store.saveIf(List.of(exact(a), exact(b), cAbsent), next);

      assertHolds(stored(next));
      assertUnknown(a.id());
      assertHolds(b);
      assertAbsent(ALICE.run("r"), "k.c");
    }

    @Test
    void saveIf_anyMismatch_leavesEverySlotUnchanged() {
      StateRecord a = save(record(ALICE.run("r"), "k.a", "a1"));
      StateRecord b = save(record(ALICE.run("r"), "k.b", "b1"));
      StateRecord bNext = save(nextGeneration(b, "b2"));
      List<StateRecord> before = snapshot();
      StateRecord next = nextGeneration(a, "a2");

      assertRejected(
          "stale exact on another slot",
          ConditionFailedException.class,
          () -> store.saveIf(List.of(exact(a), exact(b)), next));
      assertRejected(
          "absent expected on another slot that exists",
          ConditionFailedException.class,
          () -> store.saveIf(List.of(exact(a), absent(bNext)), next));
      assertRejected(
          "exact expected on a slot that is absent",
          ConditionFailedException.class,
          () ->
              store.saveIf(
                  List.of(exact(a), SlotExpectation.exact(ALICE.run("r"), "k.c", EventId.newId())),
                  next));
      assertRejected(
          "stale exact on the written slot",
          ConditionFailedException.class,
          () ->
              store.saveIf(
                  List.of(SlotExpectation.exact(a.identity(), a.kind(), b.id()), exact(bNext)),
                  next));
      assertThat(snapshot()).isEqualTo(before);
      assertUnknown(next.id());
    }

    @Test
    void saveIf_replayAfterSuccess_mustExpectTheNewId() {
      StateRecord first = record(ALICE.run("r"), "k.cas", "v1");
      store.saveIf(List.of(absent(first)), first);
      StateRecord stored = stored(first);

      clock.set(START.plusSeconds(60));
      assertRejected(
          "replay with the original (absent) expectation",
          ConditionFailedException.class,
          () -> store.saveIf(List.of(absent(first)), first));
      store.saveIf(List.of(exact(first)), first);
      assertHolds(stored);

      StateRecord second = nextGeneration(first, "v2");
      store.saveIf(List.of(exact(first)), second);
      assertRejected(
          "replay with the original (exact v1) expectation",
          ConditionFailedException.class,
          () -> store.saveIf(List.of(exact(first)), second));
      store.saveIf(List.of(exact(second)), second);
      assertHolds(stored(second));
    }

    @Test
    void saveIf_unconditionedNext_throwsInvalidRecord() {
      StateRecord a = save(record(ALICE.run("r"), "k.a", "a1"));
      StateRecord elsewhere = record(ALICE.run("r"), "k.b", "b1");
      assertRejected(
          "next's slot not expected",
          InvalidRecordException.class,
          () -> store.saveIf(List.of(exact(a)), elsewhere));
      assertRejected(
          "same kind, other run",
          InvalidRecordException.class,
          () -> store.saveIf(List.of(exact(a)), record(ALICE.run("r2"), "k.a", "x")));
      assertThat(snapshot()).containsExactly(a);
    }

    @Test
    void saveIf_emptyExpectations_throwsInvalidRecord() {
      StateRecord r = record(ALICE.run("r"), "k.a", "a1");
      assertRejected(
          "no expectations", InvalidRecordException.class, () -> store.saveIf(List.of(), r));
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void saveIf_sameSlotExpectedTwice_throwsInvalidRecord() {
      StateRecord live = save(record(ALICE.run("r"), "k.a", "a1"));
      StateRecord next = nextGeneration(live, "a2");
      assertRejected(
          "same slot twice, same expectation",
          InvalidRecordException.class,
          () -> store.saveIf(List.of(exact(live), exact(live)), next));
      assertRejected(
          "same slot twice, different expectations",
          InvalidRecordException.class,
          () -> store.saveIf(List.of(exact(live), absent(live)), next));
      assertThat(snapshot()).containsExactly(live);
    }

    @Test
    void saveIf_nullArguments_throwNullPointer() {
      StateRecord r = record(ALICE.run("r"), "k.a", "a1");
      assertRejected("null expectations", NullPointerException.class, () -> store.saveIf(null, r));
      assertRejected(
          "null next", NullPointerException.class, () -> store.saveIf(List.of(absent(r)), null));
      List<SlotExpectation> withNull = Arrays.asList(absent(r), null);
      assertRejected(
          "null expectation element", NullPointerException.class, () -> store.saveIf(withNull, r));
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void saveIf_nextReusingLiveEventIdOfAnotherSlot_throwsIdempotencyConflict() {
      StateRecord live = save(record(ALICE.run("r"), "k.a", "a1"));
      StateRecord reuse = live.withSlot(ALICE.run("r"), "k.b").withUpdatedAt(null);
      assertRejected(
          "live id at another slot",
          IdempotencyConflictException.class,
          () -> store.saveIf(List.of(absent(reuse)), reuse));
      assertRejected(
          "live id, same slot, other bytes",
          IdempotencyConflictException.class,
          () -> store.saveIf(List.of(exact(live)), live.withBytes(utf8("x")).withUpdatedAt(null)));
      assertThat(snapshot()).containsExactly(live);
    }

    @Test
    void saveIf_128ConcurrentCallersOnOneGeneration_exactlyOneWins() {
      StateRecord current = save(record(ALICE.run("r"), "k.race", "gen-1"));
      List<StateRecord> candidates = new ArrayList<>();
      for (int i = 0; i < 128; i++) {
        candidates.add(nextGeneration(current, "gen-2 by " + i));
      }
      List<Outcome<StateRecord>> outcomes =
          Kit.runTogether(
              128,
              i ->
                  () -> {
                    store.saveIf(List.of(exact(current)), candidates.get(i));
                    return candidates.get(i);
                  });
      assertExactlyOneWinner(outcomes, current);
    }

    @Test
    void saveIf_128ConcurrentCallersExpectingAbsent_exactlyOneWins() {
      Quadruple q = ALICE.run("r");
      List<StateRecord> candidates = new ArrayList<>();
      for (int i = 0; i < 128; i++) {
        candidates.add(record(q, "k.race", "first by " + i));
      }
      List<Outcome<StateRecord>> outcomes =
          Kit.runTogether(
              128,
              i ->
                  () -> {
                    store.saveIf(List.of(SlotExpectation.absent(q, "k.race")), candidates.get(i));
                    return candidates.get(i);
                  });
      assertExactlyOneWinner(outcomes, null);
    }

    private void assertExactlyOneWinner(List<Outcome<StateRecord>> outcomes, StateRecord replaced) {
      List<StateRecord> winners =
          outcomes.stream()
              .filter(Outcome::succeeded)
              .map(Outcome::value)
              .collect(Collectors.toList());
      List<Throwable> unexpected =
          outcomes.stream()
              .map(Outcome::error)
              .filter(e -> e != null && !(e instanceof ConditionFailedException))
              .collect(Collectors.toList());
      Kit.failOn("128 concurrent saveIf", unexpected);
      assertThat(winners).as("winners").hasSize(1);
      assertThat(
              outcomes.stream().filter(o -> o.error() instanceof ConditionFailedException).count())
          .as("ConditionFailedException count")
          .isEqualTo(127);
      StateRecord winner = winners.get(0);
      assertThat(store.load(winner.identity(), winner.kind())).isEqualTo(stored(winner));
      assertThat(snapshot()).containsExactly(stored(winner));
      if (replaced != null) {
        assertUnknown(replaced.id());
      }
    }
  }

  // =====================================================================================================
  /** saveBatchIf: several writes under several predicates, all or nothing. */
  @Nested
  class SaveBatchIf {

    private final Quadruple q = ALICE.run("r");

    @Test
    void saveBatchIf_allPredicatesHold_appliesEveryWrite() {
      StateRecord a = save(record(q, "k.a", "a1"));
      StateRecord c = save(record(q, "k.c", "c1"));
      StateRecord a2 = nextGeneration(a, "a2");
      StateRecord b1 = record(q, "k.b", "b1");
      store.saveBatchIf(List.of(exact(a), absent(b1), exact(c)), List.of(a2, b1));

      assertHolds(stored(a2));
      assertHolds(stored(b1));
      assertHolds(c);
      assertUnknown(a.id());
      assertThat(snapshot()).hasSize(3);
    }

    @Test
    void saveBatchIf_stalePredicate_changesNothing() {
      StateRecord a = save(record(q, "k.a", "a1"));
      StateRecord b = save(record(q, "k.b", "b1"));
      StateRecord c = save(record(q, "k.c", "c1"));
      List<StateRecord> before = snapshot();
      StateRecord a2 = nextGeneration(a, "a2");
      StateRecord b2 = nextGeneration(b, "b2");

      assertRejected(
          "absent expected, slot present",
          ConditionFailedException.class,
          () -> store.saveBatchIf(List.of(exact(a), absent(b)), List.of(a2, b2)));
      assertRejected(
          "stale predicate-only slot",
          ConditionFailedException.class,
          () ->
              store.saveBatchIf(
                  List.of(exact(a), exact(b), SlotExpectation.exact(q, "k.c", a.id())),
                  List.of(a2, b2)));
      assertRejected(
          "exact expected on an absent slot",
          ConditionFailedException.class,
          () ->
              store.saveBatchIf(
                  List.of(exact(a), exact(b), SlotExpectation.exact(q, "k.d", c.id())),
                  List.of(a2, b2)));
      assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void saveBatchIf_idempotencyConflictOfOneWrite_changesNothing() {
      StateRecord a = save(record(q, "k.a", "a1"));
      StateRecord c = save(record(q, "k.c", "c1"));
      List<StateRecord> before = snapshot();
      StateRecord a2 = nextGeneration(a, "a2");
      StateRecord bReusingC = c.withSlot(q, "k.b").withUpdatedAt(null);

      assertRejected(
          "second write reuses a live id",
          IdempotencyConflictException.class,
          () -> store.saveBatchIf(List.of(exact(a), absent(bReusingC)), List.of(a2, bReusingC)));
      assertThat(snapshot()).isEqualTo(before);
      assertUnknown(a2.id());
    }

    @Test
    void saveBatchIf_emptyExpectations_throwsInvalidRecord() {
      StateRecord r = record(q, "k.a", "a1");
      assertRejected(
          "no expectations",
          InvalidRecordException.class,
          () -> store.saveBatchIf(List.of(), List.of(r)));
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void saveBatchIf_emptyWrites_throwsInvalidRecord() {
      StateRecord r = record(q, "k.a", "a1");
      assertRejected(
          "no writes",
          InvalidRecordException.class,
          () -> store.saveBatchIf(List.of(absent(r)), List.of()));
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void saveBatchIf_sameSlotExpectedTwice_throwsInvalidRecord() {
      StateRecord r = record(q, "k.a", "a1");
      assertRejected(
          "slot expected twice",
          InvalidRecordException.class,
          () -> store.saveBatchIf(List.of(absent(r), absent(r)), List.of(r)));
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void saveBatchIf_writeWithoutExpectation_throwsInvalidRecord() {
      StateRecord a = record(q, "k.a", "a1");
      StateRecord b = record(q, "k.b", "b1");
      assertRejected(
          "write to an unexpected slot",
          InvalidRecordException.class,
          () -> store.saveBatchIf(List.of(absent(a)), List.of(a, b)));
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void saveBatchIf_sameSlotWrittenTwice_throwsInvalidRecord() {
      StateRecord a = record(q, "k.a", "a1");
      StateRecord a2 = nextGeneration(a, "a2");
      assertRejected(
          "slot written twice",
          InvalidRecordException.class,
          () -> store.saveBatchIf(List.of(absent(a)), List.of(a, a2)));
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void saveBatchIf_sameEventIdWrittenTwice_throwsInvalidRecord() {
      StateRecord a = record(q, "k.a", "a1");
      StateRecord b = a.withSlot(q, "k.b");
      assertRejected(
          "event id written twice",
          InvalidRecordException.class,
          () -> store.saveBatchIf(List.of(absent(a), absent(b)), List.of(a, b)));
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void saveBatchIf_nullArguments_throwNullPointer() {
      StateRecord r = record(q, "k.a", "a1");
      assertRejected(
          "null expectations",
          NullPointerException.class,
          () -> store.saveBatchIf(null, List.of(r)));
      assertRejected(
          "null writes",
          NullPointerException.class,
          () -> store.saveBatchIf(List.of(absent(r)), null));
      assertRejected(
          "null expectation element",
          NullPointerException.class,
          () -> store.saveBatchIf(Arrays.asList(absent(r), null), List.of(r)));
      assertRejected(
          "null write element",
          NullPointerException.class,
          () -> store.saveBatchIf(List.of(absent(r)), Arrays.asList(r, null)));
      assertThat(snapshot()).isEmpty();
    }
  }

  // =====================================================================================================
  /** deleteIf: delete exactly one generation. */
  @Nested
  class DeleteIf {

    @Test
    void deleteIf_exactGeneration_deletesAndReturnsTrue() {
      StateRecord r = save(record(ALICE.run("r"), "k.d", "v"));
      StateRecord other = save(record(ALICE.run("r"), "k.other", "v"));
      assertThat(store.deleteIf(exact(r))).isTrue();
      assertAbsent(r.identity(), r.kind());
      assertUnknown(r.id());
      assertHolds(other);
    }

    @Test
    void deleteIf_staleGeneration_returnsFalseAndKeepsSlot() {
      StateRecord first = save(record(ALICE.run("r"), "k.d", "v1"));
      StateRecord second = save(nextGeneration(first, "v2"));
      assertThat(store.deleteIf(exact(first))).isFalse();
      assertThat(
              store.deleteIf(
                  SlotExpectation.exact(first.identity(), first.kind(), EventId.newId())))
          .isFalse();
      assertHolds(second);
    }

    @Test
    void deleteIf_absentSlot_returnsFalse() {
      StateRecord other = save(record(ALICE.run("r"), "k.other", "v"));
      assertThat(store.deleteIf(SlotExpectation.exact(ALICE.run("r"), "k.d", EventId.newId())))
          .isFalse();
      assertThat(store.deleteIf(SlotExpectation.exact(ALICE.run("r"), "k.other", EventId.newId())))
          .isFalse();
      assertThat(snapshot()).containsExactly(other);
    }

    @Test
    void deleteIf_invalidExpectations_throwAndChangeNothing() {
      StateRecord r = save(record(ALICE.run("r"), "k.d", "v"));
      assertRejected(
          "absent expectation", InvalidRecordException.class, () -> store.deleteIf(absent(r)));
      assertRejected(
          "expectation with an empty event id",
          InvalidRecordException.class,
          () -> store.deleteIf(SlotExpectation.exact(r.identity(), r.kind(), EventId.of(""))));
      assertRejected(
          "empty kind",
          InvalidRecordException.class,
          () -> store.deleteIf(SlotExpectation.exact(r.identity(), "", r.id())));
      assertRejected(
          "incomplete identity",
          IdentityRequiredException.class,
          () ->
              store.deleteIf(
                  SlotExpectation.exact(
                      new Quadruple("tenant-a", "", "session-a", "r"), r.kind(), r.id())));
      assertRejected("null", NullPointerException.class, () -> store.deleteIf(null));
      assertThat(snapshot()).containsExactly(r);
    }

    @Test
    void deleteIf_racingSaveOfNextGeneration_neverDeletesTheNewGeneration() {
      for (int round = 0; round < 32; round++) {
        StateRecord current = save(record(ALICE.run("r"), "k.race", "gen " + round));
        StateRecord next = nextGeneration(current, "gen " + round + " next");
        List<Outcome<Boolean>> outcomes =
            Kit.runTogether(
                2,
                i ->
                    i == 0
                        ? () -> store.deleteIf(exact(current))
                        : () -> {
                          store.save(next);
                          return Boolean.TRUE;
                        });
        Kit.failOn(
            "round " + round,
            outcomes.stream()
                .map(Outcome::error)
                .filter(Objects::nonNull)
                .collect(Collectors.toList()));
        assertThat(store.find(next.identity(), next.kind()))
            .as("round %d: the new generation survives", round)
            .contains(stored(next));
        assertUnknown(current.id());
        store.delete(next.identity(), next.kind());
      }
    }
  }

  // =====================================================================================================
  /** fenceIf: run an action while holding a slot's generation. */
  @Nested
  class FenceIf {

    private StateRecord current;

    @BeforeEach
    void seed() {
      current = save(record(ALICE.run("r"), "k.fence", "gen-1"));
    }

    @Test
    void fenceIf_exactGeneration_runsActionOnce() {
      AtomicInteger runs = new AtomicInteger();
      store.fenceIf(exact(current), runs::incrementAndGet);
      assertThat(runs).hasValue(1);
      assertHolds(current);
    }

    @Test
    void fenceIf_staleGeneration_throwsConditionFailedWithoutRunning() {
      StateRecord next = save(nextGeneration(current, "gen-2"));
      AtomicInteger runs = new AtomicInteger();
      assertRejected(
          "stale generation",
          ConditionFailedException.class,
          () -> store.fenceIf(exact(current), runs::incrementAndGet));
      assertThat(runs).hasValue(0);
      assertHolds(next);
    }

    @Test
    void fenceIf_absentSlot_throwsConditionFailedWithoutRunning() {
      AtomicInteger runs = new AtomicInteger();
      assertRejected(
          "absent slot",
          ConditionFailedException.class,
          () ->
              store.fenceIf(
                  SlotExpectation.exact(ALICE.run("r"), "k.none", EventId.newId()),
                  runs::incrementAndGet));
      store.delete(current.identity(), current.kind());
      assertRejected(
          "deleted slot",
          ConditionFailedException.class,
          () -> store.fenceIf(exact(current), runs::incrementAndGet));
      assertThat(runs).hasValue(0);
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void fenceIf_actionRuntimeException_propagatesSameInstanceAndChangesNothing() {
      IllegalStateException thrown = new IllegalStateException("from the fenced action");
      assertThatThrownBy(
              () ->
                  store.fenceIf(
                      exact(current),
                      () -> {
                        throw thrown;
                      }))
          .isSameAs(thrown);
      assertThat(snapshot()).containsExactly(current);
      assertFenceReleased();
    }

    @Test
    void fenceIf_actionError_propagatesSameInstanceAndChangesNothing() {
      Error thrown = new FenceActionError();
      assertThatThrownBy(
              () ->
                  store.fenceIf(
                      exact(current),
                      () -> {
                        throw thrown;
                      }))
          .isSameAs(thrown);
      assertThat(snapshot()).containsExactly(current);
      assertFenceReleased();
    }

    private void assertFenceReleased() {
      StateRecord next = nextGeneration(current, "after the fence");
      ExecutorService pool =
          Executors.newSingleThreadExecutor(Kit.threadFactory("harbor-tck-fence"));
      try {
        Future<?> f = pool.submit(() -> store.saveIf(List.of(exact(current)), next));
        Outcome<?> outcome = Kit.await(f, System.nanoTime() + Kit.TIMEOUT.toNanos());
        assertThat(outcome.error()).as("saveIf after the failed fence").isNull();
      } finally {
        Kit.shutdown(pool);
      }
      assertHolds(stored(next));
    }

    @Test
    void fenceIf_saveIfDuringFence_isPendingAfter25msAndSucceedsAfterRelease() {
      StateRecord next = nextGeneration(current, "gen-2");
      assertPendingDuringFence(
          () -> {
            store.saveIf(List.of(exact(current)), next);
            return null;
          });
      assertHolds(stored(next));
    }

    @Test
    void fenceIf_saveBatchIfDuringFence_isPendingAfter25msAndSucceedsAfterRelease() {
      StateRecord next = nextGeneration(current, "gen-2");
      StateRecord other = record(ALICE.run("r"), "k.fence.other", "other");
      assertPendingDuringFence(
          () -> {
            store.saveBatchIf(List.of(exact(current), absent(other)), List.of(next, other));
            return null;
          });
      assertHolds(stored(next));
      assertHolds(stored(other));
    }

    @Test
    void fenceIf_deleteIfDuringFence_isPendingAfter25msAndSucceedsAfterRelease() {
      Object deleted = assertPendingDuringFence(() -> store.deleteIf(exact(current)));
      assertThat(deleted).isEqualTo(Boolean.TRUE);
      assertThat(snapshot()).isEmpty();
    }

    /**
     * Starts {@code call} on another thread inside a fence; it must still be pending after 25 ms,
     * then succeed.
     */
    private Object assertPendingDuringFence(Callable<Object> call) {
      ExecutorService pool =
          Executors.newSingleThreadExecutor(Kit.threadFactory("harbor-tck-fence"));
      try {
        AtomicReference<Future<Object>> started = new AtomicReference<>();
        AtomicBoolean pendingAfter25ms = new AtomicBoolean();
        AtomicInteger runs = new AtomicInteger();
        store.fenceIf(
            exact(current),
            () -> {
              runs.incrementAndGet();
              CountDownLatch calling = new CountDownLatch(1);
              started.set(
                  pool.submit(
                      () -> {
                        calling.countDown();
                        return call.call();
                      }));
              try {
                if (!calling.await(Kit.TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                  throw new AssertionError("the competing call did not start");
                }
                Thread.sleep(25);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted inside the fence", e);
              }
              pendingAfter25ms.set(!started.get().isDone());
            });
        assertThat(runs).hasValue(1);
        assertThat(pendingAfter25ms)
            .as("the competing call is still pending 25 ms into the fence")
            .isTrue();
        Outcome<Object> outcome =
            Kit.await(started.get(), System.nanoTime() + Kit.TIMEOUT.toNanos());
        if (outcome.error() != null) {
          throw new AssertionError(
              "the competing call failed after the fence was released", outcome.error());
        }
        return outcome.value();
      } finally {
        Kit.shutdown(pool);
      }
    }

    @Test
    void fenceIf_invalidExpectationsOrNullAction_rejectedWithoutRunning() {
      AtomicInteger runs = new AtomicInteger();
      assertRejected(
          "absent expectation",
          InvalidRecordException.class,
          () -> store.fenceIf(absent(current), runs::incrementAndGet));
      assertRejected(
          "empty kind",
          InvalidRecordException.class,
          () ->
              store.fenceIf(
                  SlotExpectation.exact(current.identity(), "", current.id()),
                  runs::incrementAndGet));
      assertRejected(
          "incomplete identity",
          IdentityRequiredException.class,
          () ->
              store.fenceIf(
                  SlotExpectation.exact(
                      new Quadruple("", "u", "s", ""), current.kind(), current.id()),
                  runs::incrementAndGet));
      assertRejected(
          "null expectation",
          NullPointerException.class,
          () -> store.fenceIf(null, runs::incrementAndGet));
      assertRejected(
          "null action", NullPointerException.class, () -> store.fenceIf(exact(current), null));
      assertThat(runs).hasValue(0);
      assertThat(snapshot()).containsExactly(current);
    }
  }

  /** An error of the kit's own, so the identity check of the propagated instance is meaningful. */
  private static final class FenceActionError extends Error {
    FenceActionError() {
      super("from the fenced action");
    }
  }

  // =====================================================================================================
  /** delete and deleteScope. */
  @Nested
  class DeleteAndDeleteScope {

    @Test
    void delete_existingSlot_removesItAndForgetsTheId() {
      StateRecord r = save(record(ALICE.run("r"), "k.d", "v"));
      StateRecord other = save(record(ALICE.run("r"), "k.other", "v"));
      store.delete(r.identity(), r.kind());
      assertAbsent(r.identity(), r.kind());
      assertUnknown(r.id());
      assertRejected(
          "load after delete",
          RecordNotFoundException.class,
          () -> store.load(r.identity(), r.kind()));
      assertHolds(other);
      StateRecord reused = save(StateRecord.of(r.id(), BOB.run("r"), "k.reused", utf8("x")));
      assertHolds(reused);
    }

    @Test
    void delete_absentSlot_succeedsAndIsIdempotent() {
      StateRecord r = save(record(ALICE.run("r"), "k.d", "v"));
      store.delete(ALICE.run("r"), "k.never");
      store.delete(r.identity(), r.kind());
      store.delete(r.identity(), r.kind());
      assertThat(snapshot()).isEmpty();
    }

    @Test
    void deleteScope_removesEveryKindAndRunOfOneIdentityOnly_andReturnsTheCount() {
      List<StateRecord> mine =
          List.of(
              save(record(ALICE.sessionScoped(), "k.a", "1")),
              save(record(ALICE.sessionScoped(), "k.b", "2")),
              save(record(ALICE.run("r1"), "k.a", "3")),
              save(record(ALICE.run("r2"), "k.c", "4")));
      List<StateRecord> others =
          List.of(
              save(
                  record(
                      new Quadruple(ALICE.tenantId(), ALICE.userId(), "session-other", ""),
                      "k.a",
                      "5")),
              save(
                  record(
                      new Quadruple(ALICE.tenantId(), "user-other", ALICE.sessionId(), ""),
                      "k.a",
                      "6")),
              save(
                  record(
                      new Quadruple("tenant-other", ALICE.userId(), ALICE.sessionId(), ""),
                      "k.a",
                      "7")),
              save(record(BOB.run("r1"), "k.a", "8")));
      assertThat(mine).hasSize(4);

      assertThat(store.deleteScope(ALICE)).isEqualTo(4);
      assertThat(snapshot()).containsExactlyInAnyOrderElementsOf(others);
    }

    @Test
    void deleteScope_forgetsTheEventIds() {
      StateRecord a = save(record(ALICE.sessionScoped(), "k.a", "1"));
      StateRecord b = save(record(ALICE.run("r1"), "k.b", "2"));
      assertThat(store.deleteScope(ALICE)).isEqualTo(2);
      assertUnknown(a.id());
      assertUnknown(b.id());
      assertRejected(
          "loadByEventId after deleteScope",
          RecordNotFoundException.class,
          () -> store.loadByEventId(a.id()));
      StateRecord reused = save(StateRecord.of(a.id(), BOB.run("r"), "k.reused", utf8("x")));
      assertHolds(reused);
    }

    @Test
    void deleteScope_isIdempotent() {
      save(record(ALICE.run("r"), "k.a", "1"));
      StateRecord bob = save(record(BOB.run("r"), "k.a", "2"));
      assertThat(store.deleteScope(ALICE)).isEqualTo(1);
      assertThat(store.deleteScope(ALICE)).isEqualTo(0);
      assertThat(store.deleteScope(new Identity("tenant-none", "user-none", "session-none")))
          .isEqualTo(0);
      assertThat(snapshot()).containsExactly(bob);
    }
  }

  // =====================================================================================================
  /** listKind and listKindForIdentity. */
  @Nested
  class Listing {

    @Test
    void listKind_maintenance_returnsMatchesAcrossIdentities() {
      StateRecord a = save(record(ALICE.run("r"), "k.list.a", "1"));
      StateRecord b = save(record(BOB.sessionScoped(), "k.list.b", "2"));
      StateRecord c = save(record(new Quadruple("tenant-c", "u", "s", "run"), "k.list", "3"));
      save(record(ALICE.run("r"), "k.lis", "not matching"));
      save(record(ALICE.run("r"), "K.list", "not matching"));

      List<StateRecord> listed = store.listKind(MAINTENANCE, "k.list");
      assertThat(listed).containsExactlyInAnyOrder(a, b, c);
      assertThat(store.listKind(MAINTENANCE, "k.list", 10)).containsExactlyInAnyOrder(a, b, c);
    }

    @Test
    void listKind_withoutMaintenanceScope_throwsMaintenanceScopeRequired() {
      save(record(ALICE.run("r"), "k.a", "1"));
      assertRejected(
          "listKind(NONE)",
          MaintenanceScopeRequiredException.class,
          () -> store.listKind(ListScope.NONE, "k"));
      assertRejected(
          "listKind(NONE, limit)",
          MaintenanceScopeRequiredException.class,
          () -> store.listKind(ListScope.NONE, "k", 10));
      assertRejected(
          "listKind(new ListScope(false))",
          MaintenanceScopeRequiredException.class,
          () -> store.listKind(new ListScope(false), "k"));
    }

    @Test
    void listing_emptyPrefix_throwsInvalidRecord() {
      save(record(ALICE.run("r"), "k.a", "1"));
      assertRejected(
          "listKind", InvalidRecordException.class, () -> store.listKind(MAINTENANCE, ""));
      assertRejected(
          "listKind(limit)",
          InvalidRecordException.class,
          () -> store.listKind(MAINTENANCE, "", 10));
      assertRejected(
          "listKindForIdentity",
          InvalidRecordException.class,
          () -> store.listKindForIdentity(ALICE.run("r"), ""));
      assertRejected(
          "listKindForIdentity(limit)",
          InvalidRecordException.class,
          () -> store.listKindForIdentity(ALICE.run("r"), "", 10));
    }

    @Test
    void listing_noMatches_returnsEmpty() {
      save(record(ALICE.run("r"), "k.a", "1"));
      assertThat(store.listKind(MAINTENANCE, "k.b")).isEmpty();
      assertThat(store.listKind(MAINTENANCE, "k.b", 10)).isEmpty();
      assertThat(store.listKindForIdentity(ALICE.run("r"), "k.b")).isEmpty();
      assertThat(store.listKindForIdentity(ALICE.run("r"), "k.b", 10)).isEmpty();
      assertThat(store.listKindForIdentity(ALICE.run("other"), "k")).isEmpty();
      assertThat(store.listKindForIdentity(BOB.run("r"), "k", 10)).isEmpty();
      assertThat(store.listKind(MAINTENANCE, "k.a.longer")).isEmpty();
    }

    @Test
    void listing_metacharactersAndCase_matchLiterally() {
      Quadruple q = ALICE.run("r");
      List<String> kinds =
          List.of(
              "a%b",
              "axb",
              "a_b",
              "aXb",
              "A%b",
              "a\\b",
              "a*b",
              "a?b",
              "abc",
              "a%_\\literal",
              "aXxliteral",
              "special%_\\one",
              "special%_\\\\two",
              "specialXXone");
      for (String kind : kinds) {
        save(record(q, kind, kind));
      }
      Map<String, Set<String>> expected = new LinkedHashMap<>();
      expected.put("a%", Set.of("a%b", "a%_\\literal"));
      expected.put("a_", Set.of("a_b"));
      expected.put("a\\", Set.of("a\\b"));
      expected.put("a*", Set.of("a*b"));
      expected.put("a?", Set.of("a?b"));
      expected.put("A", Set.of("A%b"));
      expected.put("ax", Set.of("axb"));
      expected.put("aX", Set.of("aXb", "aXxliteral"));
      expected.put("%", Set.of());
      expected.put("_", Set.of());
      expected.put("\\", Set.of());
      expected.put("a%b", Set.of("a%b"));
      expected.put(
          "a",
          Set.of(
              "a%b",
              "axb", "a_b", "aXb", "a\\b", "a*b", "a?b", "abc", "a%_\\literal", "aXxliteral"));
      // A backslash ends the prefix, or is doubled: an escape character of the backend's pattern
      // syntax must not leak into the match (LIKE's ESCAPE, a trailing escape, an escaped escape).
      expected.put("a%_\\", Set.of("a%_\\literal"));
      expected.put("special%_\\", Set.of("special%_\\one", "special%_\\\\two"));
      expected.put("special%_\\\\", Set.of("special%_\\\\two"));
      expected.put("special", Set.of("special%_\\one", "special%_\\\\two", "specialXXone"));
      expected.forEach(
          (prefix, want) -> {
            assertThat(kindsOf(store.listKind(MAINTENANCE, prefix)))
                .as("listKind %s", prefix)
                .isEqualTo(want);
            assertThat(kindsOf(store.listKind(MAINTENANCE, prefix, 100)))
                .as("listKind(limit) %s", prefix)
                .isEqualTo(want);
            assertThat(kindsOf(store.listKindForIdentity(q, prefix)))
                .as("listKindForIdentity %s", prefix)
                .isEqualTo(want);
            assertThat(kindsOf(store.listKindForIdentity(q, prefix, 100)))
                .as("listKindForIdentity(limit) %s", prefix)
                .isEqualTo(want);
            assertThat(
                    kindsOf(
                        store
                            .scanKindForTenant(MAINTENANCE, q.tenantId(), prefix, 256, "")
                            .records()))
                .as("scanKindForTenant %s", prefix)
                .isEqualTo(want);
          });
    }

    private Set<String> kindsOf(List<StateRecord> records) {
      Set<String> kinds = new HashSet<>();
      for (StateRecord r : records) {
        assertThat(kinds.add(r.kind())).as("kind %s listed once", r.kind()).isTrue();
      }
      return kinds;
    }

    /**
     * Records whose UTF-8 order differs from UTF-16 order and from concatenated-key order at every
     * level.
     */
    private List<StateRecord> orderingData() {
      List<StateRecord> rows = new ArrayList<>();
      rows.add(at("a", "u", "s", "", "k.o"));
      rows.add(at("a", "u", "s", "", "k.o" + EMOJI));
      rows.add(at("a", "u", "s", "", "k.o" + STOP));
      rows.add(at("a", "u", "s", "", "k.oa"));
      rows.add(at("a", "u", "s", "r", "k.o"));
      rows.add(at("a", "u", "s", STOP, "k.o"));
      rows.add(at("a", "u", "s", EMOJI, "k.o"));
      rows.add(at("a", "u", STOP, "", "k.o"));
      rows.add(at("a", "u", EMOJI, "", "k.o"));
      rows.add(at("a", STOP, "s", "", "k.o"));
      rows.add(at("a", EMOJI, "s", "", "k.o"));
      rows.add(at("a", "z", "s", "", "k.o")); // (a, z) before (ab, a): compare per component,
      rows.add(at("ab", "a", "s", "", "k.o")); // not on concatenated keys
      rows.add(at("a\u00E9", "u", "s", "", "k.o"));
      rows.add(at(STOP, "u", "s", "", "k.o"));
      rows.add(at(EMOJI, "u", "s", "", "k.o"));
      rows.add(at("z", "u", "s", "", "k.o"));
      return rows;
    }

    @Test
    void listKindWithLimit_ordersByTenantUserSessionRunKindInUtf8ByteOrder() {
      assertThat(Kit.compareUtf8(STOP, EMOJI)).as("U+FF61 sorts first in UTF-8").isNegative();
      assertThat(STOP.compareTo(EMOJI)).as("U+FF61 sorts last in UTF-16").isPositive();
      List<StateRecord> rows = new ArrayList<>();
      for (StateRecord r : orderingData()) {
        rows.add(save(r));
      }
      save(at("a", "u", "s", "", "k.p"));
      save(at("a", "u", "s", "", "K.o"));
      List<StateRecord> expected = sorted(rows, BY_SLOT);
      assertThat(expected)
          .as("test data tells UTF-8 from UTF-16 order")
          .isNotEqualTo(sorted(rows, BY_SLOT_UTF16));

      assertThat(store.listKind(MAINTENANCE, "k.o", 10_001)).containsExactlyElementsOf(expected);
      assertThat(store.listKind(MAINTENANCE, "k.o")).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void listKindWithLimit_appliesTheLimit() {
      List<StateRecord> rows = new ArrayList<>();
      for (StateRecord r : orderingData()) {
        rows.add(save(r));
      }
      List<StateRecord> expected = sorted(rows, BY_SLOT);
      assertThat(store.listKind(MAINTENANCE, "k.o", 1))
          .containsExactlyElementsOf(expected.subList(0, 1));
      assertThat(store.listKind(MAINTENANCE, "k.o", 5))
          .containsExactlyElementsOf(expected.subList(0, 5));
      assertThat(store.listKind(MAINTENANCE, "k.o", expected.size()))
          .containsExactlyElementsOf(expected);
    }

    @Test
    void listKindWithLimit_rejectsLimitsOutside1To10001() {
      save(record(ALICE.run("r"), "k.a", "1"));
      for (int limit : new int[] {0, -1, 10_002, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
        assertRejected(
            "limit " + limit,
            InvalidRecordException.class,
            () -> store.listKind(MAINTENANCE, "k", limit));
      }
      assertThat(store.listKind(MAINTENANCE, "k", 10_001)).hasSize(1);
      assertThat(store.listKind(MAINTENANCE, "k", 1)).hasSize(1);
    }

    @Test
    void listKindForIdentity_seesExactlyItsQuadruple_emptyRunOnlyEmptyRun() {
      StateRecord session = save(record(ALICE.sessionScoped(), "k.x", "session"));
      StateRecord sessionY = save(record(ALICE.sessionScoped(), "k.y", "session y"));
      StateRecord run = save(record(ALICE.run("r"), "k.x", "run"));
      save(record(ALICE.run("r2"), "k.x", "other run"));

      assertThat(store.listKindForIdentity(ALICE.sessionScoped(), "k"))
          .containsExactlyInAnyOrder(session, sessionY);
      assertThat(store.listKindForIdentity(ALICE.sessionScoped(), "k", 1000))
          .containsExactly(session, sessionY);
      assertThat(store.listKindForIdentity(ALICE.run("r"), "k")).containsExactly(run);
      assertThat(store.listKindForIdentity(ALICE.run("r"), "k", 10)).containsExactly(run);
      assertThat(store.listKindForIdentity(ALICE.run("none"), "k")).isEmpty();
    }

    @Test
    void listKindForIdentityWithLimit_ordersByKindInUtf8ByteOrderAndAppliesTheLimit() {
      Quadruple q = ALICE.run("r");
      List<StateRecord> rows = new ArrayList<>();
      for (String kind :
          List.of("k.o" + EMOJI, "k.o", "k.o" + STOP, "k.oa", "k.o.a", "k.o\u00E9", "k.oZ")) {
        rows.add(save(record(q, kind, kind)));
      }
      save(record(q, "k.p", "no"));
      save(record(ALICE.sessionScoped(), "k.o", "other run"));
      save(record(BOB.run("r"), "k.o", "other identity"));
      List<StateRecord> expected = sorted(rows, Kit.BY_SCAN_POSITION);

      assertThat(store.listKindForIdentity(q, "k.o", 1000)).containsExactlyElementsOf(expected);
      assertThat(store.listKindForIdentity(q, "k.o", 3))
          .containsExactlyElementsOf(expected.subList(0, 3));
      assertThat(store.listKindForIdentity(q, "k.o", 1))
          .containsExactlyElementsOf(expected.subList(0, 1));
      assertThat(store.listKindForIdentity(q, "k.o")).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void listKindForIdentityWithLimit_rejectsLimitsOutside1To1000() {
      save(record(ALICE.run("r"), "k.a", "1"));
      for (int limit : new int[] {0, -1, 1001, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
        assertRejected(
            "limit " + limit,
            InvalidRecordException.class,
            () -> store.listKindForIdentity(ALICE.run("r"), "k", limit));
      }
      assertThat(store.listKindForIdentity(ALICE.run("r"), "k", 1000)).hasSize(1);
    }
  }

  // =====================================================================================================
  /** scanKindForTenant: keyset paging of one tenant. */
  @Nested
  class Scan {

    private static final String TENANT = "scan-t";

    /**
     * The tenant's matching rows (in no order) after saving them and some rows the scan must skip.
     */
    private List<StateRecord> seed() {
      List<StateRecord> rows = new ArrayList<>();
      rows.add(save(at(TENANT, "u", "s", "", "k.s")));
      rows.add(save(at(TENANT, "u", "s", "", "k.s" + EMOJI)));
      rows.add(save(at(TENANT, "u", "s", "", "k.s" + STOP)));
      rows.add(save(at(TENANT, "u", "s", "", "k.sa")));
      rows.add(save(at(TENANT, "u", "s", "r", "k.s")));
      rows.add(save(at(TENANT, "u", "s", EMOJI, "k.s")));
      rows.add(save(at(TENANT, "u", "s", STOP, "k.s")));
      rows.add(save(at(TENANT, "u", EMOJI, "", "k.s")));
      rows.add(save(at(TENANT, "u", STOP, "", "k.s")));
      rows.add(save(at(TENANT, EMOJI, "s", "", "k.s")));
      rows.add(save(at(TENANT, STOP, "s", "", "k.s")));
      rows.add(save(at(TENANT, "a", "z", "", "k.s"))); // (a, z) before (ab, a): per component
      rows.add(save(at(TENANT, "ab", "a", "", "k.s")));
      rows.add(save(at(TENANT, "u\u00E9", "s", "", "k.s")));
      // Rows the scan must not return: other tenants (one whose name extends ours) and other kinds.
      save(at(TENANT + "2", "u", "s", "", "k.s"));
      save(at("scan", "u", "s", "", "k.s"));
      save(at("Scan-t", "u", "s", "", "k.s"));
      save(at(TENANT, "u", "s", "", "k.t"));
      save(at(TENANT, "u", "s", "", "K.s"));
      return rows;
    }

    @Test
    void scan_pagingVisitsEveryMatchingRowOnceInUtf8Order() {
      List<StateRecord> expected = sorted(seed(), BY_SCAN_POSITION);
      for (int limit : new int[] {1, 2, 3, 256}) {
        assertThat(scanAll(TENANT, "k.s", limit))
            .as("limit %d", limit)
            .containsExactlyElementsOf(expected);
      }
    }

    @Test
    void scan_replayingAContinuation_returnsTheSamePage() {
      seed();
      ScanPage first = store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 2, "");
      ScanPage second =
          store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 2, first.continuation());
      assertThat(store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 2, "")).isEqualTo(first);
      assertThat(store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 2, first.continuation()))
          .isEqualTo(second);
      assertThat(store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 2, first.continuation()))
          .isEqualTo(second);
      assertThat(store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 2, null)).isEqualTo(first);
    }

    @Test
    void scan_replayingTheTerminalContinuation_returnsTheLastPageAgain() {
      StateRecord a = save(at(TENANT, "u1", "s", "", "k.s"));
      StateRecord b = save(at(TENANT, "u2", "s", "", "k.s"));
      StateRecord c = save(at(TENANT, "u3", "s", "", "k.s"));
      ScanPage p1 = store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 1, "");
      ScanPage p2 = store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 1, p1.continuation());
      ScanPage p3 = store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 1, p2.continuation());
      assertThat(p1.records()).containsExactly(a);
      assertThat(p2.records()).containsExactly(b);
      assertThat(p3.records()).containsExactly(c);
      assertThat(p3.isLast()).isTrue();
      assertThat(p3.continuation()).isEmpty();

      ScanPage replay = store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 1, p2.continuation());
      assertThat(replay).isEqualTo(p3);
      assertThat(replay.isLast()).isTrue();

      // Once the rows after the position are gone, the same continuation yields an empty last page.
      store.delete(c.identity(), c.kind());
      ScanPage empty = store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 1, p2.continuation());
      assertThat(empty.records()).isEmpty();
      assertThat(empty.isLast()).isTrue();
    }

    @Test
    void scan_continuationOfAnotherTenant_throwsInvalidScan() {
      seed();
      save(at(TENANT + "2", "u2", "s", "", "k.s"));
      String continuation =
          store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 1, "").continuation();
      assertThat(continuation).isNotEmpty();
      assertRejected(
          "other tenant",
          InvalidScanException.class,
          () -> store.scanKindForTenant(MAINTENANCE, TENANT + "2", "k.s", 1, continuation));
      assertRejected(
          "tenant differing in case",
          InvalidScanException.class,
          () -> store.scanKindForTenant(MAINTENANCE, "Scan-t", "k.s", 1, continuation));
    }

    @Test
    void scan_continuationOfAnotherPrefix_throwsInvalidScan() {
      seed();
      String continuation =
          store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 1, "").continuation();
      assertThat(continuation).isNotEmpty();
      assertRejected(
          "shorter prefix",
          InvalidScanException.class,
          () -> store.scanKindForTenant(MAINTENANCE, TENANT, "k.", 1, continuation));
      assertRejected(
          "longer prefix",
          InvalidScanException.class,
          () -> store.scanKindForTenant(MAINTENANCE, TENANT, "k.sa", 1, continuation));
    }

    @Test
    void scan_garbageOrTamperedContinuation_throwsInvalidScan() {
      seed();
      String valid = store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 1, "").continuation();
      assertThat(valid).isNotEmpty();
      Map<String, String> garbage = new LinkedHashMap<>();
      garbage.put("%%%", "%%%");
      garbage.put("e30", "e30");
      garbage.put("{}", "{}");
      garbage.put("AAAA", "AAAA");
      garbage.put("blank", " ");
      garbage.put("too long", "A".repeat(1367));
      garbage.put("with padding", valid + "=");
      garbage.put("truncated", valid.substring(0, valid.length() - 1));
      for (int i : new int[] {0, valid.length() / 2, valid.length() - 1}) {
        char c = valid.charAt(i);
        garbage.put(
            "tampered at " + i,
            valid.substring(0, i) + (c == 'A' ? 'B' : 'A') + valid.substring(i + 1));
      }
      garbage.forEach(
          (label, continuation) ->
              assertRejected(
                  label,
                  InvalidScanException.class,
                  () -> store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 1, continuation)));
    }

    @Test
    void scan_limitsOutside1To256_throwInvalidScan() {
      seed();
      for (int limit : new int[] {0, -1, 257, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
        assertRejected(
            "limit " + limit,
            InvalidScanException.class,
            () -> store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", limit, ""));
      }
      assertThat(store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 256, "").records())
          .hasSize(14);
      assertThat(store.scanKindForTenant(MAINTENANCE, TENANT, "k.s", 1, "").records()).hasSize(1);
    }

    @Test
    void scan_withoutMaintenanceScope_throwsMaintenanceScopeRequired() {
      seed();
      assertRejected(
          "NONE",
          MaintenanceScopeRequiredException.class,
          () -> store.scanKindForTenant(ListScope.NONE, TENANT, "k.s", 10, ""));
      assertRejected(
          "new ListScope(false)",
          MaintenanceScopeRequiredException.class,
          () -> store.scanKindForTenant(new ListScope(false), TENANT, "k.s", 10, ""));
    }

    @Test
    void scan_returnsOnlyTheTenantsRows() {
      List<StateRecord> mine = seed();
      List<StateRecord> page = store.scanKindForTenant(MAINTENANCE, TENANT, "k", 256, "").records();
      assertThat(page).allSatisfy(r -> assertThat(r.identity().tenantId()).isEqualTo(TENANT));
      assertThat(page).containsAll(mine).hasSize(mine.size() + 1);
      assertThat(store.scanKindForTenant(MAINTENANCE, "scan", "k", 256, "").records()).hasSize(1);
      assertThat(store.scanKindForTenant(MAINTENANCE, "nobody", "k", 256, "").records()).isEmpty();
      assertThat(store.scanKindForTenant(MAINTENANCE, "nobody", "k", 256, "").isLast()).isTrue();
    }

    @Test
    void scan_128ConcurrentScansOf128Tenants_eachSeeOnlyItsOwnRow_interruptedOnesAreCancelled() {
      List<StateRecord> rows = new ArrayList<>();
      for (int i = 0; i < 128; i++) {
        // t1, t10, t100 share prefixes on purpose.
        rows.add(save(record(new Quadruple("t" + i, "u", "s", ""), "k.c", "row of t" + i)));
      }
      List<StateRecord> before = snapshot();
      // Limit 1 over one row: a full page that is still the last one (no row after it).
      Map<Integer, ScanPage> pages =
          Kit.runTogetherInterruptingEvery(
              "128 concurrent scans, every 16th interrupted",
              16,
              128,
              i -> () -> store.scanKindForTenant(MAINTENANCE, "t" + i, "k.c", 1, ""));
      assertThat(pages).as("uninterrupted scans").hasSize(120);
      pages.forEach(
          (i, page) -> {
            assertThat(page.records()).as("scan of t%d", i).containsExactly(rows.get(i));
            assertThat(page.isLast()).as("scan of t%d is complete", i).isTrue();
          });
      assertThat(snapshot()).isEqualTo(before);
    }
  }

  // =====================================================================================================
  /** scanAll: the whole store, keyset-paginated, for exports and copies. */
  @Nested
  class ScanWholeStore {

    /**
     * Rows across tenants whose per-component order differs from their concatenated and UTF-16
     * orders.
     */
    private List<StateRecord> seed() {
      List<StateRecord> rows = new ArrayList<>();
      rows.add(save(at("t", "u", "s", "", "k")));
      rows.add(save(at("t", "u", "s", "", "k" + EMOJI)));
      rows.add(save(at("t", "u", "s", "", "k" + STOP)));
      rows.add(save(at("t", "u", "s", "r", "a")));
      rows.add(save(at("t", "u", EMOJI, "", "k")));
      rows.add(save(at("t", "u", STOP, "", "k")));
      rows.add(save(at("a", "z", "s", "", "k")));
      rows.add(save(at("ab", "a", "s", "", "k")));
      rows.add(save(at(EMOJI, "u", "s", "", "x")));
      rows.add(save(at(STOP, "u", "s", "", "%")));
      rows.add(save(at("T", "u", "s", "", "_")));
      return rows;
    }

    private List<StateRecord> everything(int limit) {
      List<StateRecord> rows = new ArrayList<>();
      String continuation = "";
      for (int pages = 0; ; pages++) {
        if (pages > 10_000) {
          fail("scanAll with limit %d does not end", limit);
        }
        ScanPage page = store.scanAll(MAINTENANCE, limit, continuation);
        assertThat(page.records())
            .as("page %d of limit %d", pages, limit)
            .hasSizeLessThanOrEqualTo(limit);
        if (!page.isLast()) {
          assertThat(page.records()).as("a page with a continuation is full").hasSize(limit);
          assertThat(page.continuation().length()).isLessThanOrEqualTo(1708);
        }
        rows.addAll(page.records());
        if (page.isLast()) {
          return rows;
        }
        continuation = page.continuation();
      }
    }

    @Test
    void scanAll_pagingVisitsEveryRecordOnceInUtf8SlotOrder() {
      List<StateRecord> expected = sorted(seed(), BY_SLOT);
      for (int limit : new int[] {1, 2, 3, 1000}) {
        assertThat(everything(limit)).as("limit %d", limit).containsExactlyElementsOf(expected);
      }
    }

    @Test
    void scanAll_longestKeys_fitTheContinuation() {
      String max = EMOJI.repeat(64); // 256 UTF-8 bytes each
      save(at(max, max, max, max, max));
      save(at(max, max, max, max, max.substring(2) + "z"));
      assertThat(everything(1)).hasSize(2);
    }

    @Test
    void scanAll_replayingAContinuation_returnsTheSamePage() {
      seed();
      ScanPage first = store.scanAll(MAINTENANCE, 3, "");
      ScanPage second = store.scanAll(MAINTENANCE, 3, first.continuation());
      assertThat(store.scanAll(MAINTENANCE, 3, null)).isEqualTo(first);
      assertThat(store.scanAll(MAINTENANCE, 3, first.continuation())).isEqualTo(second);
    }

    @Test
    void scanAll_emptyStore_isOneEmptyLastPage() {
      ScanPage page = store.scanAll(MAINTENANCE, 10, "");
      assertThat(page.records()).isEmpty();
      assertThat(page.isLast()).isTrue();
    }

    @Test
    void scanAll_foreignGarbageOrTamperedContinuation_throwsInvalidScan() {
      seed();
      String valid = store.scanAll(MAINTENANCE, 1, "").continuation();
      String tenantScan = store.scanKindForTenant(MAINTENANCE, "t", "k", 1, "").continuation();
      assertThat(valid).isNotEmpty();
      assertThat(tenantScan).isNotEmpty();
      Map<String, String> garbage = new LinkedHashMap<>();
      garbage.put("a scanKindForTenant continuation", tenantScan);
      garbage.put("%%%", "%%%");
      garbage.put("e30", "e30");
      garbage.put("too long", "A".repeat(1709));
      garbage.put("with padding", valid + "=");
      for (int i : new int[] {0, valid.length() / 2, valid.length() - 1}) {
        char c = valid.charAt(i);
        garbage.put(
            "tampered at " + i,
            valid.substring(0, i) + (c == 'A' ? 'B' : 'A') + valid.substring(i + 1));
      }
      garbage.forEach(
          (label, continuation) ->
              assertRejected(
                  label,
                  InvalidScanException.class,
                  () -> store.scanAll(MAINTENANCE, 1, continuation)));
      assertRejected(
          "a scanAll continuation given to scanKindForTenant",
          InvalidScanException.class,
          () -> store.scanKindForTenant(MAINTENANCE, "t", "k", 1, valid));
    }

    @Test
    void scanAll_limitsOutside1To1000_throwInvalidScan() {
      seed();
      for (int limit : new int[] {0, -1, 1001, Integer.MAX_VALUE}) {
        assertRejected(
            "limit " + limit,
            InvalidScanException.class,
            () -> store.scanAll(MAINTENANCE, limit, ""));
      }
    }

    @Test
    void scanAll_withoutMaintenanceScope_throwsMaintenanceScopeRequired() {
      seed();
      assertRejected(
          "NONE",
          MaintenanceScopeRequiredException.class,
          () -> store.scanAll(ListScope.NONE, 10, ""));
      assertRejected(
          "null", MaintenanceScopeRequiredException.class, () -> store.scanAll(null, 10, ""));
    }
  }

  // =====================================================================================================
  /** close, interruption, heavy concurrent use and leaks. */
  @Nested
  class Lifecycle {

    @Test
    void everyMethodAfterClose_throwsStoreClosed() {
      StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
      AtomicBoolean actionRan = new AtomicBoolean();
      Map<String, ThrowingCallable> calls = everyStoreCall(live, actionRan);
      calls.put("driverName", () -> store.driverName());
      // Counted from the interface, so a method added to StateStore cannot be forgotten here.
      assertThat(calls)
          .as("every method of StateStore but close")
          .hasSize(StateStore.class.getDeclaredMethods().length - 1);
      store.close();
      calls.forEach((method, call) -> assertRejected(method, StoreClosedException.class, call));
      assertThat(actionRan).as("fenced action ran").isFalse();
    }

    @Test
    void close_twice_isFine() {
      save(record(ALICE.run("r"), "k.live", "live"));
      store.close();
      assertThatCode(() -> store.close()).doesNotThrowAnyException();
      assertRejected(
          "save after two closes",
          StoreClosedException.class,
          () -> store.save(record(ALICE.run("r"), "k.x", "x")));
    }

    @Test
    void interruptedCaller_getsOperationCancelled_andNothingChanges() {
      StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
      List<StateRecord> before = snapshot();
      AtomicBoolean actionRan = new AtomicBoolean();
      Map<String, ThrowingCallable> calls = everyStoreCall(live, actionRan);
      List<String> flagCleared = new ArrayList<>();
      try {
        calls.forEach(
            (method, call) -> {
              Thread.currentThread().interrupt();
              assertRejected(method, OperationCancelledException.class, call);
              if (!Thread.currentThread().isInterrupted()) {
                flagCleared.add(method);
              }
            });
      } finally {
        Thread.interrupted();
      }
      assertThat(flagCleared).as("methods that cleared the interrupt flag").isEmpty();
      assertThat(actionRan).as("fenced action ran").isFalse();
      assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void concurrency_128ThreadsTimes16MixedOperations_zeroErrors() {
      List<Outcome<Integer>> outcomes = Kit.runTogether(128, i -> () -> mixedOperations(i));
      Kit.failOn(
          "128 threads x 16 operations",
          outcomes.stream()
              .map(Outcome::error)
              .filter(Objects::nonNull)
              .collect(Collectors.toList()));
      assertThat(outcomes).allSatisfy(o -> assertThat(o.value()).isEqualTo(16));
      assertThat(store.listKind(MAINTENANCE, "k.mix")).isEmpty();
    }

    /**
     * Sixteen operations on one thread's own identity; every result is checked. Returns the count.
     */
    private int mixedOperations(int thread) {
      Identity id = new Identity("mix-t" + (thread % 8), "mix-u" + thread, "mix-s");
      Quadruple q = id.run("r");
      int ops = 0;
      StateRecord a = record(q, "k.mix.a", "a");
      store.save(a);
      ops++;
      check(store.load(q, "k.mix.a").sameContent(a), "load after save");
      ops++;
      check(store.find(q, "k.mix.a").isPresent(), "find after save");
      ops++;
      StateRecord b = nextGeneration(a, "b");
      store.saveIf(List.of(exact(a)), b);
      ops++;
      check(store.findByEventId(b.id()).isPresent(), "findByEventId of the new generation");
      ops++;
      check(
          store.listKindForIdentity(q, "k.mix").size() == 1, "listKindForIdentity sees one record");
      ops++;
      check(
          store.listKind(MAINTENANCE, "k.mix", 10).size() <= 10,
          "bounded listKind respects the limit");
      ops++;
      ScanPage page = store.scanKindForTenant(MAINTENANCE, id.tenantId(), "k.mix", 16, "");
      check(
          page.records().stream().allMatch(r -> r.identity().tenantId().equals(id.tenantId())),
          "scan sees only its tenant");
      ops++;
      check(!store.deleteIf(exact(a)), "deleteIf of a stale generation");
      ops++;
      check(store.deleteIf(exact(b)), "deleteIf of the live generation");
      ops++;
      StateRecord c = record(q, "k.mix.c", "c");
      StateRecord d = record(id.sessionScoped(), "k.mix.d", "d");
      store.saveAll(List.of(c, d));
      ops++;
      StateRecord e = record(q, "k.mix.e", "e");
      StateRecord c2 = nextGeneration(c, "c2");
      store.saveBatchIf(List.of(absent(e), exact(c)), List.of(e, c2));
      ops++;
      store.delete(id.sessionScoped(), "k.mix.d");
      ops++;
      List<StateRecord> listed = store.listKindForIdentity(q, "k.mix", 10);
      check(
          listed.size() == 2 && listed.get(0).sameContent(c2) && listed.get(1).sameContent(e),
          "bounded listKindForIdentity after saveBatchIf");
      ops++;
      check(store.deleteScope(id) == 2, "deleteScope count");
      ops++;
      check(store.find(q, "k.mix.c").isEmpty(), "find after deleteScope");
      ops++;
      return ops;
    }

    private void check(boolean condition, String what) {
      if (!condition) {
        throw new AssertionError(what + " on thread " + Thread.currentThread().getName());
      }
    }

    @Test
    void close_leavesNoThreadBehind() throws Exception {
      // Warm-up with the kit's store: JVM-wide driver threads started once (a JDBC cleaner, say)
      // exist from now on.
      exerciseFromSeveralThreads(store);
      StateStore warm = store;
      store = null;
      try {
        warm.close();
      } finally {
        dispose(warm);
      }

      Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
      StateStore second = Objects.requireNonNull(newStore(), "newStore() returned null");
      try {
        exerciseFromSeveralThreads(second);
      } finally {
        try {
          second.close();
        } finally {
          dispose(second);
        }
      }

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      List<Thread> leaked;
      do {
        leaked =
            Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                // The common pool belongs to the JVM, not to the store; its idle workers retire on
                // their own.
                .filter(t -> !t.getName().startsWith("ForkJoinPool.commonPool-worker"))
                .collect(Collectors.toList());
        if (!leaked.isEmpty()) {
          Thread.sleep(50);
        }
      } while (!leaked.isEmpty() && System.nanoTime() < deadline);
      assertThat(
              leaked.stream()
                  .map(t -> t.getName() + (t.isDaemon() ? " (daemon)" : ""))
                  .collect(Collectors.toList()))
          .as("threads started while the store was open and still alive 10 s after close")
          .isEmpty();
    }

    private void exerciseFromSeveralThreads(StateStore s) {
      ExecutorService pool = Executors.newFixedThreadPool(8, Kit.threadFactory("harbor-tck-leak"));
      try {
        List<Future<Object>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          Quadruple q = new Identity("leak-t", "u" + i, "s").run("r");
          futures.add(
              pool.submit(
                  () -> {
                    StateRecord r = record(q, "k.leak", "v");
                    s.save(r);
                    s.load(q, "k.leak");
                    s.saveIf(List.of(exact(r)), nextGeneration(r, "v2"));
                    s.listKind(MAINTENANCE, "k.leak", 10);
                    s.scanKindForTenant(MAINTENANCE, "leak-t", "k", 10, "");
                    s.deleteScope(q.identity());
                    return null;
                  }));
        }
        long deadline = System.nanoTime() + Kit.TIMEOUT.toNanos();
        for (Future<Object> f : futures) {
          Outcome<Object> o = Kit.await(f, deadline);
          if (o.error() != null) {
            throw new AssertionError("using the store from several threads failed", o.error());
          }
        }
      } finally {
        Kit.shutdown(pool);
      }
    }
  }
}
