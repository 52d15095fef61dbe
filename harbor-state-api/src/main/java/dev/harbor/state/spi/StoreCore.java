package dev.harbor.state.spi;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one {@link StateStore}: every driver's store is a core around the driver's {@link
 * StoreDriver}. For every call, in this order: the store is open, the caller is not interrupted,
 * identities are complete, the rest of the input is valid (docs/CONTRACT.md 4.1); records are
 * stamped; then the driver's primitive runs. The convenience methods ({@code load}, the unbounded
 * listings, {@code saveIf} of one write) are derived here once. {@link #close()} waits for the
 * calls in flight, so a call either completes or throws {@link
 * dev.harbor.state.StoreClosedException}.
 *
 * <p>Every call passes through {@link #call}: the one place where metrics and logging attach for
 * all drivers.
 */
public final class StoreCore implements StateStore {

  private final StoreContext context;
  private final StoreDriver driver;
  private final Checks checks;

  /** The driver's own scans, read live: where the store's scans read. */
  private final StoreDriver.Snapshot live;

  private StoreCore(StoreContext context, StoreDriver driver) {
    this.context = context;
    this.driver = driver;
    this.checks = new Checks(context.maxPayloadBytes(), context.maxBatchBytes());
    this.live =
        new StoreDriver.Snapshot() {
          @Override
          public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
            return driver.scanAll(after, max);
          }

          @Override
          public List<StateRecord> scanKindForTenant(
              String tenantId,
              String kindPrefix,
              Optional<ScanContinuations.Position> after,
              int max) {
            return driver.scanKindForTenant(tenantId, kindPrefix, after, max);
          }

          @Override
          public void close() {}
        };
  }

  /**
   * The store a provider returns: the contract around a driver.
   *
   * @param context the context the driver was built with
   * @param driver an open driver; the store owns it from now on and closes it
   * @return the store
   * @throws NullPointerException if an argument is null
   */
  public static StateStore open(StoreContext context, StoreDriver driver) {
    return new StoreCore(
        Objects.requireNonNull(context, "context"), Objects.requireNonNull(driver, "driver"));
  }

  /**
   * Checks a record as {@code save} would on a store with this payload limit, without a store: for
   * tools that must name a bad record before they write anything (an import, say).
   *
   * @param record the record
   * @param maxPayloadBytes the payload limit of the store it is meant for
   * @throws dev.harbor.state.StateStoreException the exception {@code save} would throw
   * @throws NullPointerException if the record is null
   */
  public static void checkRecord(StateRecord record, int maxPayloadBytes) {
    new Checks(maxPayloadBytes).save(record);
  }

  /**
   * What a record counts against a store's {@code maxBatchBytes}: its payload plus the UTF-8 bytes
   * of its keys. For tools that cut a stream of records into batches the store accepts.
   *
   * @param record the record
   * @return bytes
   * @throws NullPointerException if the record is null
   */
  public static long batchBytes(StateRecord record) {
    return Checks.batchBytes(Objects.requireNonNull(record, "record"));
  }

  /**
   * The store's limits, for tools that size their input to what the store accepts.
   *
   * @param store a store opened through any driver
   * @return its {@code maxPayloadBytes} and {@code maxBatchBytes}
   * @throws NullPointerException if {@code store} is null
   * @throws IllegalArgumentException if the store is not a driver's store
   */
  public static StoreLimits limits(StateStore store) {
    StoreContext context = core(store).context;
    return new StoreLimits(context.maxPayloadBytes(), context.maxBatchBytes());
  }

  /** The StateStore operations, for the hook in {@link #call}. */
  enum Operation {
    SAVE,
    SAVE_ALL,
    SAVE_IF,
    SAVE_BATCH_IF,
    DELETE_IF,
    FENCE_IF,
    FIND,
    LOAD,
    FIND_BY_EVENT_ID,
    LOAD_BY_EVENT_ID,
    DELETE,
    DELETE_SCOPE,
    PURGE,
    ERASE_USER,
    ERASE_TENANT,
    LIST_KIND,
    LIST_KIND_FOR_IDENTITY,
    SCAN_KIND_FOR_TENANT,
    SCAN_ALL,
    SNAPSHOT
  }

  /**
   * Runs one call between the lifecycle's enter and exit: first the call's checks, then its
   * primitive. The operation names the call for the listeners (metrics, logging) that attach here.
   */
  private <T> T call(Operation operation, Runnable check, Supplier<T> primitive) {
    if (!context.observed()) {
      return unobserved(check, primitive);
    }
    // A duration, not a point in time: the monotonic clock, never the store's (wall) clock.
    long start = System.nanoTime();
    Throwable failure = null;
    try {
      return unobserved(check, primitive);
    } catch (RuntimeException | Error e) {
      failure = e;
      throw e;
    } finally {
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      context.called(
          new StoreCall(
              context.driverName(),
              context.where(),
              methodName(operation),
              StoreOutcome.of(failure),
              took,
              failure));
    }
  }

  private <T> T unobserved(Runnable check, Supplier<T> primitive) {
    context.enter();
    try {
      check.run();
      return primitive.get();
    } finally {
      context.exit();
    }
  }

  /** Each operation as its StateStore method's name ({@code SAVE_IF} is {@code "saveIf"}). */
  private static final Map<Operation, String> METHOD_NAMES = methodNames();

  private static String methodName(Operation operation) {
    String name = METHOD_NAMES.get(operation);
    return name == null ? operation.name() : name; // every operation is in the map
  }

  private static Map<Operation, String> methodNames() {
    Map<Operation, String> names = new EnumMap<>(Operation.class);
    for (Operation operation : Operation.values()) {
      String upper = operation.name();
      StringBuilder name = new StringBuilder(upper.length());
      boolean wordStart = false;
      for (int i = 0; i < upper.length(); i++) {
        char c = upper.charAt(i);
        if (c == '_') {
          wordStart = true;
        } else {
          name.append(wordStart ? c : Character.toLowerCase(c));
          wordStart = false;
        }
      }
      names.put(operation, name.toString());
    }
    return names;
  }

  /**
   * Attaches a listener to an open store: it sees every call that ends from now on. This is how a
   * store opened some other way (such as {@code PostgresStateStore.open(DataSource, ...)}) gets
   * metrics.
   *
   * @param store a store opened through any driver
   * @param listener the listener
   * @return {@code store}, for chaining
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the store is not a driver's store (every driver's store is
   *     a {@code StoreCore}; a hand-written {@link StateStore} has nothing to attach to)
   */
  public static StateStore addListener(StateStore store, StoreListener listener) {
    core(store).context.addListener(listener);
    return store;
  }

  /**
   * The connection pool the store owns, for gauges: present for a PostgreSQL store that opened its
   * own pool, empty for a borrowed pool and for drivers without one.
   *
   * @param store a store opened through any driver
   * @return a live view of the store's own pool, or empty
   * @throws NullPointerException if {@code store} is null
   * @throws IllegalArgumentException if the store is not a driver's store
   */
  public static Optional<StorePool> pool(StateStore store) {
    return core(store).context.pool();
  }

  /**
   * Opens a read view of one consistent state of the store: its scans read the store as it was when
   * the view opened, whatever is written meanwhile (see {@link StoreSnapshot} for what it costs on
   * each driver). This is what makes an export a backup: a batch is read whole or not at all, and a
   * record moved between slots is read once. Close the view when done; closing the store closes it
   * too.
   *
   * @param store a store opened through any driver
   * @return the open view
   * @throws NullPointerException if {@code store} is null
   * @throws IllegalArgumentException if the store is not a driver's store
   * @throws UnsupportedOperationException if the store's driver offers no snapshot (a third-party
   *     driver that does not implement {@link StoreDriver#snapshot()})
   * @throws dev.harbor.state.StoreClosedException if the store is closed
   * @throws dev.harbor.state.OperationCancelledException if the calling thread is interrupted
   * @throws dev.harbor.state.StorageException if the backend cannot open one (no connection within
   *     {@code operationTimeout}, say)
   */
  public static StoreSnapshot snapshot(StateStore store) {
    StoreCore core = core(store);
    return core.call(Operation.SNAPSHOT, core::openSnapshot);
  }

  /** Inside a call: the view is tracked before the call ends, so a close that drains finds it. */
  private StoreSnapshot openSnapshot() {
    StoreSnapshot view = new StoreSnapshot(this, driver.snapshot(), context);
    context.track(view);
    return view;
  }

  private static StoreCore core(StateStore store) {
    Objects.requireNonNull(store, "store");
    if (store instanceof StoreCore core) {
      return core;
    }
    throw new IllegalArgumentException(
        "not a driver's store (" + store.getClass().getName() + "); nothing to observe");
  }

  private void run(Operation operation, Runnable check, Runnable primitive) {
    call(
        operation,
        check,
        () -> {
          primitive.run();
          return null;
        });
  }

  /** For calls whose checks produce what the primitive needs (a decoded continuation). */
  private <T> T call(Operation operation, Supplier<T> checkedBody) {
    return call(operation, () -> {}, checkedBody);
  }

  private StateRecord stamp(StateRecord record) {
    return Checks.stamp(record, context.clock());
  }

  private List<StateRecord> stamp(List<StateRecord> records) {
    return records.stream().map(this::stamp).toList();
  }

  private RecordNotFoundException notFound(String what) {
    return new RecordNotFoundException(what + " in " + context.where());
  }

  // ---- writes ----

  @Override
  public void save(StateRecord record) {
    run(Operation.SAVE, () -> checks.save(record), () -> driver.save(stamp(record)));
  }

  @Override
  public void saveAll(List<StateRecord> records) {
    run(
        Operation.SAVE_ALL,
        () -> checks.saveAll(records),
        () -> {
          if (!records.isEmpty()) {
            driver.saveAll(stamp(records));
          }
        });
  }

  @Override
  public void saveIf(List<SlotExpectation> expectations, StateRecord next) {
    run(
        Operation.SAVE_IF,
        () -> checks.saveIf(expectations, next),
        () -> driver.saveIf(List.copyOf(expectations), List.of(stamp(next))));
  }

  @Override
  public void saveBatchIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    run(
        Operation.SAVE_BATCH_IF,
        () -> checks.saveBatchIf(expectations, writes),
        () -> driver.saveIf(List.copyOf(expectations), stamp(writes)));
  }

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    return call(
        Operation.DELETE_IF,
        () -> checks.deleteIf(expectation),
        () -> driver.deleteIf(expectation));
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    run(
        Operation.FENCE_IF,
        () -> checks.fenceIf(expectation, action),
        () -> fence(expectation, action));
  }

  /**
   * The fence, for every driver alike: the action's own exception reaches the caller unchanged, and
   * only after the driver released the fence; a failure to release is attached to it as suppressed
   * rather than replacing it.
   */
  private void fence(SlotExpectation expectation, Runnable action) {
    Throwable[] thrown = new Throwable[1];
    try {
      driver.fenceIf(
          expectation,
          () -> {
            try {
              context.runAction(action);
            } catch (RuntimeException | Error e) {
              thrown[0] = e;
            }
          });
    } catch (RuntimeException | Error e) {
      if (thrown[0] == null) {
        throw e;
      }
      thrown[0].addSuppressed(e);
    }
    if (thrown[0] instanceof RuntimeException e) {
      throw e;
    }
    if (thrown[0] instanceof Error e) {
      throw e;
    }
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    run(Operation.DELETE, () -> checks.slot(identity, kind), () -> driver.delete(identity, kind));
  }

  @Override
  public int deleteScope(Identity identity) {
    return call(
        Operation.DELETE_SCOPE,
        () -> checks.deleteScope(identity),
        () -> driver.deleteScope(identity));
  }

  @Override
  public int purge(
      ListScope scope, String tenantId, String kindPrefix, Instant olderThan, int limit) {
    return call(
        Operation.PURGE,
        () -> {
          Optional<Instant> latest = checks.purge(scope, tenantId, kindPrefix, olderThan, limit);
          // A cutoff at or before the first storable instant: nothing is older.
          return latest.isEmpty() ? 0 : driver.purge(tenantId, kindPrefix, latest.get(), limit);
        });
  }

  @Override
  public int eraseUser(ListScope scope, String tenantId, String userId, int limit) {
    return call(
        Operation.ERASE_USER,
        () -> checks.eraseUser(scope, tenantId, userId, limit),
        () -> driver.eraseUser(tenantId, userId, limit));
  }

  @Override
  public int eraseTenant(ListScope scope, String tenantId, int limit) {
    return call(
        Operation.ERASE_TENANT,
        () -> checks.eraseTenant(scope, tenantId, limit),
        () -> driver.eraseTenant(tenantId, limit));
  }

  // ---- reads ----

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    return call(
        Operation.FIND, () -> checks.slot(identity, kind), () -> driver.find(identity, kind));
  }

  @Override
  public StateRecord load(Quadruple identity, String kind) {
    return call(
        Operation.LOAD,
        () -> checks.slot(identity, kind),
        () ->
            driver
                .find(identity, kind)
                .orElseThrow(
                    () -> notFound("no record at slot " + StoreErrors.describe(identity, kind))));
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    return call(
        Operation.FIND_BY_EVENT_ID,
        () -> checks.eventId(eventId),
        () -> driver.findByEventId(eventId));
  }

  @Override
  public StateRecord loadByEventId(EventId eventId) {
    return call(
        Operation.LOAD_BY_EVENT_ID,
        () -> checks.eventId(eventId),
        () ->
            driver
                .findByEventId(eventId)
                .orElseThrow(() -> notFound("no live record has event id " + eventId.value())));
  }

  @Override
  public Optional<StateRecord> findByEventId(String tenantId, EventId eventId) {
    return call(
        Operation.FIND_BY_EVENT_ID,
        () -> checks.eventId("findByEventId", tenantId, eventId),
        () -> driver.findByEventId(tenantId, eventId));
  }

  @Override
  public StateRecord loadByEventId(String tenantId, EventId eventId) {
    return call(
        Operation.LOAD_BY_EVENT_ID,
        () -> checks.eventId("loadByEventId", tenantId, eventId),
        () ->
            driver
                .findByEventId(tenantId, eventId)
                // Worded alike whether the id is live in another tenant or nowhere.
                .orElseThrow(
                    () ->
                        notFound(
                            "no live record of tenant "
                                + tenantId
                                + " has event id "
                                + eventId.value())));
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix) {
    return call(
        Operation.LIST_KIND,
        () -> checks.listKind(scope, kindPrefix),
        () -> driver.listKind(kindPrefix, StoreDriver.ALL));
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix, int limit) {
    return call(
        Operation.LIST_KIND,
        () -> checks.listKind(scope, kindPrefix, limit),
        () -> driver.listKind(kindPrefix, limit));
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix) {
    return call(
        Operation.LIST_KIND_FOR_IDENTITY,
        () -> checks.listKindForIdentity(identity, kindPrefix),
        () -> driver.listKindForIdentity(identity, kindPrefix, StoreDriver.ALL));
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    return call(
        Operation.LIST_KIND_FOR_IDENTITY,
        () -> checks.listKindForIdentity(identity, kindPrefix, limit),
        () -> driver.listKindForIdentity(identity, kindPrefix, limit));
  }

  @Override
  public ScanPage scanKindForTenant(
      ListScope scope, String tenantId, String kindPrefix, int limit, String continuation) {
    return scanKindForTenant(() -> live, scope, tenantId, kindPrefix, limit, continuation);
  }

  /**
   * {@code scanKindForTenant} of the live store or of a snapshot.
   *
   * @param source where it reads, asked once the call has entered and its input is checked
   */
  ScanPage scanKindForTenant(
      Supplier<StoreDriver.Snapshot> source,
      ListScope scope,
      String tenantId,
      String kindPrefix,
      int limit,
      String continuation) {
    return call(
        Operation.SCAN_KIND_FOR_TENANT,
        () -> {
          Optional<ScanContinuations.Position> after =
              checks.scan(scope, tenantId, kindPrefix, limit, continuation);
          // One row more than the page, to know whether another page follows.
          List<StateRecord> rows =
              source.get().scanKindForTenant(tenantId, kindPrefix, after, limit + 1);
          return ScanContinuations.page(scope, tenantId, kindPrefix, limit, rows);
        });
  }

  @Override
  public ScanPage scanAll(ListScope scope, int limit, String continuation) {
    return scanAll(() -> live, scope, limit, continuation);
  }

  /**
   * {@code scanAll} of the live store or of a snapshot.
   *
   * @param source where it reads, asked once the call has entered and its input is checked
   */
  ScanPage scanAll(
      Supplier<StoreDriver.Snapshot> source, ListScope scope, int limit, String continuation) {
    return call(
        Operation.SCAN_ALL,
        () -> {
          Optional<StateRecord> after = checks.scanAll(scope, limit, continuation);
          return ScanContinuations.pageAll(scope, limit, source.get().scanAll(after, limit + 1));
        });
  }

  // ---- lifecycle ----

  /**
   * Where the store's data lives, and whether it is closed; never a credential.
   *
   * @return such as {@code "StateStore[sqlite database /tmp/a.db, open]"}
   */
  @Override
  public String toString() {
    return "StateStore[" + context.where() + (context.isClosed() ? ", closed]" : ", open]");
  }

  @Override
  public String driverName() {
    context.checkOpen();
    return context.driverName();
  }

  /**
   * Closes the store: later calls throw {@link dev.harbor.state.StoreClosedException}; calls in
   * flight complete first; then the driver releases its resources. Idempotent; returns once the
   * store is closed.
   */
  @Override
  public void close() {
    context.close(driver);
  }
}
