package dev.harbor.state.inmem;

import dev.harbor.state.ConditionFailedException;
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
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.StoreGuard;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The reference store.
 *
 * <p>Layout: records live in a two-level map, session identity to (run, kind) to record, so that a
 * lookup is two hash probes and a session erasure drops one entry; a second map indexes live
 * records by event id. Stored records are immutable (a {@link StateRecord} copies its bytes in and
 * out), so they are handed to callers as they are.
 *
 * <p>Concurrency: every mutation holds the write side of one {@link StampedLock} for a few map
 * operations, which makes batches, erasures and the two maps atomic with respect to each other.
 * Single-record reads are one map probe and take no lock; multi-record reads (lists, scans) run
 * optimistically and retry under the read lock if a write intervened, so they see a consistent
 * state and never wait on each other. Conditional writes and fences also take per-slot locks
 * (striped, always in ascending stripe order, so callers never deadlock); a fence holds its slot's
 * lock while the action runs, which holds back conditional writes on that slot but not the rest of
 * the store.
 */
final class InMemoryStateStore implements StateStore {

  static final String DRIVER = "inmem";
  private static final int STRIPES = 1024; // power of two

  private final StoreGuard guard;
  private final long timeoutNanos;
  private final Duration timeout;
  private final Map<Identity, Map<RunKind, StateRecord>> sessions = new ConcurrentHashMap<>();
  private final Map<EventId, StateRecord> byEventId = new ConcurrentHashMap<>();
  private final StampedLock lock = new StampedLock();
  private final ReentrantLock[] slotLocks = new ReentrantLock[STRIPES];
  private final ReentrantLock[] writeStripes = new ReentrantLock[STRIPES];

  InMemoryStateStore(int maxPayloadBytes, Duration operationTimeout, Clock clock) {
    this.guard = new StoreGuard(DRIVER, maxPayloadBytes, clock);
    this.timeout = operationTimeout;
    this.timeoutNanos = operationTimeout.toNanos();
    for (int i = 0; i < STRIPES; i++) {
      slotLocks[i] = new ReentrantLock();
      writeStripes[i] = new ReentrantLock();
    }
  }

  /** The part of a slot below the session. */
  private record RunKind(String runId, String kind) {}

  // ---- writes ----

  @Override
  public void save(StateRecord record) {
    guard.save(record);
    StateRecord stamped = guard.stamp(record);
    // Single saves share the store-wide lock (batches, erasures and conditional writes take it
    // exclusively) and serialize per slot on a write stripe: saves of different slots run in
    // parallel, and the event-id claim below keeps ids unique across them.
    long stamp = readLock();
    try {
      ReentrantLock slot = lockWriteStripe(stamped.identity(), stamped.kind());
      try {
        StateRecord live = byEventId.putIfAbsent(stamped.id(), stamped);
        if (live != null) {
          requireReplay(stamped, live); // a replay writes nothing at all
          return;
        }
        StateRecord previous = putIntoSlot(stamped);
        if (previous != null) {
          byEventId.remove(previous.id(), previous);
        }
      } finally {
        slot.unlock();
      }
    } finally {
      lock.unlockRead(stamp);
    }
  }

  @Override
  public void saveAll(List<StateRecord> records) {
    guard.saveAll(records);
    if (records.isEmpty()) {
      return;
    }
    List<StateRecord> stamped = records.stream().map(guard::stamp).toList();
    long stamp = writeLock();
    try {
      applyAll(stamped);
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  @Override
  public void saveIf(List<SlotExpectation> expectations, StateRecord next) {
    guard.saveIf(expectations, next);
    conditionalSave(expectations, List.of(guard.stamp(next)));
  }

  @Override
  public void saveBatchIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    guard.saveBatchIf(expectations, writes);
    conditionalSave(expectations, writes.stream().map(guard::stamp).toList());
  }

  private void conditionalSave(List<SlotExpectation> expectations, List<StateRecord> writes) {
    List<Lock> held = lockSlots(expectations);
    try {
      long stamp = writeLock();
      try {
        for (SlotExpectation e : expectations) {
          if (!e.matches(current(e.identity(), e.kind()))) {
            throw conditionFailed(e);
          }
        }
        applyAll(writes);
      } finally {
        lock.unlockWrite(stamp);
      }
    } finally {
      unlock(held);
    }
  }

  /**
   * Checks every write's idempotency before the first mutation, then applies those that are not
   * replays.
   */
  private void applyAll(List<StateRecord> writes) {
    List<StateRecord> toWrite = new ArrayList<>(writes.size());
    for (StateRecord w : writes) {
      if (!isReplay(w)) {
        toWrite.add(w);
      }
    }
    toWrite.forEach(this::put);
  }

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    guard.deleteIf(expectation);
    List<Lock> held = lockSlots(List.of(expectation));
    try {
      long stamp = writeLock();
      try {
        StateRecord current = current(expectation.identity(), expectation.kind());
        if (current == null || !expectation.matches(current)) {
          return false;
        }
        remove(current);
        return true;
      } finally {
        lock.unlockWrite(stamp);
      }
    } finally {
      unlock(held);
    }
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    guard.fenceIf(expectation, action);
    List<Lock> held = lockSlots(List.of(expectation));
    try {
      if (!expectation.matches(current(expectation.identity(), expectation.kind()))) {
        throw conditionFailed(expectation);
      }
      action.run();
    } finally {
      unlock(held);
    }
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    guard.slot(identity, kind);
    long stamp = readLock();
    try {
      ReentrantLock slot = lockWriteStripe(identity, kind);
      try {
        StateRecord current = current(identity, kind);
        if (current != null) {
          remove(current);
        }
      } finally {
        slot.unlock();
      }
    } finally {
      lock.unlockRead(stamp);
    }
  }

  @Override
  public int deleteScope(Identity identity) {
    guard.deleteScope(identity);
    long stamp = writeLock();
    try {
      Map<RunKind, StateRecord> removed = sessions.remove(identity);
      if (removed == null) {
        return 0;
      }
      removed.values().forEach(r -> byEventId.remove(r.id()));
      return removed.size();
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  // ---- reads ----

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    guard.slot(identity, kind);
    return Optional.ofNullable(current(identity, kind));
  }

  @Override
  public StateRecord load(Quadruple identity, String kind) {
    return find(identity, kind)
        .orElseThrow(
            () ->
                new RecordNotFoundException(
                    "no record at slot " + StoreGuard.describe(identity, kind)));
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    guard.eventId(eventId);
    // Only what its slot shows: a save claims its id just before writing the slot, and an
    // overwritten record leaves the index just after, so the index alone could run ahead.
    StateRecord live = byEventId.get(eventId);
    return live != null && current(live.identity(), live.kind()) == live
        ? Optional.of(live)
        : Optional.empty();
  }

  @Override
  public StateRecord loadByEventId(EventId eventId) {
    return findByEventId(eventId)
        .orElseThrow(
            () -> new RecordNotFoundException("no live record has event id " + eventId.value()));
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix) {
    guard.listKind(scope, kindPrefix);
    return consistentRead(
        () -> {
          List<StateRecord> out = new ArrayList<>();
          sessions
              .values()
              .forEach(
                  m ->
                      m.values()
                          .forEach(
                              r -> {
                                if (r.kind().startsWith(kindPrefix)) {
                                  out.add(r);
                                }
                              }));
          return out;
        });
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix, int limit) {
    guard.listKind(scope, kindPrefix, limit);
    return consistentRead(
        () ->
            smallest(
                sessions.values(), r -> r.kind().startsWith(kindPrefix), limit, Utf8Order.BY_SLOT));
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix) {
    guard.listKindForIdentity(identity, kindPrefix);
    return forIdentity(identity, kindPrefix, Integer.MAX_VALUE);
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    guard.listKindForIdentity(identity, kindPrefix, limit);
    return forIdentity(identity, kindPrefix, limit);
  }

  private List<StateRecord> forIdentity(Quadruple identity, String kindPrefix, int limit) {
    Map<RunKind, StateRecord> session = sessions.get(identity.identity());
    if (session == null) {
      return List.of();
    }
    String runId = identity.runId();
    return consistentRead(
        () ->
            smallest(
                List.of(session),
                r -> r.identity().runId().equals(runId) && r.kind().startsWith(kindPrefix),
                limit,
                Utf8Order.BY_KIND));
  }

  @Override
  public ScanPage scanKindForTenant(
      ListScope scope, String tenantId, String kindPrefix, int limit, String continuation) {
    Optional<ScanContinuations.Position> after =
        guard.scan(scope, tenantId, kindPrefix, limit, continuation);
    StateRecord afterRow =
        after
            .map(
                p ->
                    new StateRecord(
                        null,
                        new Quadruple(tenantId, p.userId(), p.sessionId(), p.runId()),
                        p.kind(),
                        0,
                        null,
                        null))
            .orElse(null);
    Predicate<StateRecord> matches =
        r ->
            r.identity().tenantId().equals(tenantId)
                && r.kind().startsWith(kindPrefix)
                && (afterRow == null || Utf8Order.BY_POSITION_IN_TENANT.compare(r, afterRow) > 0);
    List<StateRecord> rows =
        consistentRead(
            () ->
                smallest(
                    sessions.entrySet().stream()
                        .filter(e -> e.getKey().tenantId().equals(tenantId))
                        .map(Map.Entry::getValue)
                        .toList(),
                    matches,
                    limit + 1,
                    Utf8Order.BY_POSITION_IN_TENANT));
    return ScanContinuations.page(scope, tenantId, kindPrefix, limit, rows);
  }

  @Override
  public ScanPage scanAll(ListScope scope, int limit, String continuation) {
    Optional<StateRecord> after = guard.scanAll(scope, limit, continuation);
    Predicate<StateRecord> matches =
        r -> after.isEmpty() || Utf8Order.BY_SLOT.compare(r, after.get()) > 0;
    List<StateRecord> rows =
        consistentRead(() -> smallest(sessions.values(), matches, limit + 1, Utf8Order.BY_SLOT));
    return ScanContinuations.pageAll(scope, limit, rows);
  }

  @Override
  public String driverName() {
    guard.checkOpen();
    return DRIVER;
  }

  @Override
  public void close() {
    if (guard.markClosed()) {
      long stamp = lock.writeLock();
      try {
        sessions.clear();
        byEventId.clear();
      } finally {
        lock.unlockWrite(stamp);
      }
    }
  }

  // ---- internals; callers of the mutators hold the write lock ----

  private StateRecord current(Quadruple identity, String kind) {
    Map<RunKind, StateRecord> session = sessions.get(identity.identity());
    return session == null ? null : session.get(new RunKind(identity.runId(), kind));
  }

  /**
   * Whether {@code record} is an exact replay of a live write; throws if its event id is live with
   * other content.
   */
  private boolean isReplay(StateRecord record) {
    StateRecord live = byEventId.get(record.id());
    if (live == null) {
      return false;
    }
    requireReplay(record, live);
    return true;
  }

  /** Returns if {@code record} is an exact replay of the live {@code live}; else a conflict. */
  private static void requireReplay(StateRecord record, StateRecord live) {
    if (live.sameContent(record)) {
      return;
    }
    throw StoreGuard.idempotencyConflict(
        record, live.identity().equals(record.identity()) && live.kind().equals(record.kind()));
  }

  /** Under the exclusive lock: writes the record and moves its slot's event id to it. */
  private void put(StateRecord record) {
    StateRecord previous = putIntoSlot(record);
    if (previous != null) {
      byEventId.remove(previous.id(), previous);
    }
    byEventId.put(record.id(), record);
  }

  /**
   * Writes the record into its slot and returns the slot's previous record. Atomic per session
   * entry, so a concurrent removal of the session's last record cannot drop this write.
   */
  private StateRecord putIntoSlot(StateRecord record) {
    Quadruple q = record.identity();
    RunKind slot = new RunKind(q.runId(), record.kind());
    StateRecord[] previous = new StateRecord[1];
    sessions.compute(
        q.identity(),
        (id, session) -> {
          Map<RunKind, StateRecord> target = session == null ? new ConcurrentHashMap<>() : session;
          previous[0] = target.put(slot, record);
          return target;
        });
    return previous[0];
  }

  /** Removes the record from its slot (if it is still there) and forgets its event id. */
  private void remove(StateRecord record) {
    Quadruple q = record.identity();
    RunKind slot = new RunKind(q.runId(), record.kind());
    boolean[] removed = new boolean[1];
    sessions.computeIfPresent(
        q.identity(),
        (id, session) -> {
          removed[0] = session.remove(slot, record);
          return session.isEmpty() ? null : session;
        });
    if (removed[0]) {
      byEventId.remove(record.id(), record);
    }
  }

  /**
   * The {@code limit} smallest matching records in order, holding at most {@code limit} candidates
   * at a time.
   */
  private static List<StateRecord> smallest(
      Iterable<Map<RunKind, StateRecord>> groups,
      Predicate<StateRecord> filter,
      int limit,
      Comparator<StateRecord> order) {
    PriorityQueue<StateRecord> largestFirst = new PriorityQueue<>(order.reversed());
    for (Map<RunKind, StateRecord> group : groups) {
      for (StateRecord r : group.values()) {
        if (!filter.test(r)) {
          continue;
        }
        if (largestFirst.size() < limit) {
          largestFirst.add(r);
        } else if (order.compare(r, largestFirst.peek()) < 0) {
          largestFirst.poll();
          largestFirst.add(r);
        }
      }
    }
    List<StateRecord> out = new ArrayList<>(largestFirst);
    out.sort(order);
    return out;
  }

  /**
   * Runs a multi-record read optimistically; if a write intervened, runs it again under the read
   * lock.
   */
  private <T> T consistentRead(Supplier<T> read) {
    long stamp = lock.tryOptimisticRead();
    if (stamp != 0) {
      T result = read.get();
      if (lock.validate(stamp)) {
        return result;
      }
    }
    stamp = readLock();
    try {
      return read.get();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  private long writeLock() {
    return acquire(true);
  }

  private long readLock() {
    return acquire(false);
  }

  /** Takes the store-wide lock, bounded by operationTimeout; a close that won meanwhile wins. */
  private long acquire(boolean exclusive) {
    long stamp;
    try {
      stamp =
          exclusive
              ? lock.tryWriteLock(timeoutNanos, TimeUnit.NANOSECONDS)
              : lock.tryReadLock(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw guard.cancelled();
    }
    if (stamp == 0) {
      throw timedOut("the store's lock, held by a concurrent batch, erasure or conditional write");
    }
    if (guard.isClosed()) {
      lock.unlock(stamp);
      throw guard.closedException();
    }
    return stamp;
  }

  /** Locks the write stripe of one slot (single saves and deletes of one slot take turns). */
  private ReentrantLock lockWriteStripe(Quadruple identity, String kind) {
    ReentrantLock l = writeStripes[stripe(identity, kind)];
    try {
      if (!l.tryLock(timeoutNanos, TimeUnit.NANOSECONDS)) {
        throw timedOut("a slot being written by a concurrent save");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw guard.cancelled();
    }
    return l;
  }

  private static int stripe(Quadruple identity, String kind) {
    return (identity.hashCode() * 31 + kind.hashCode()) & (STRIPES - 1);
  }

  /**
   * Locks the expectations' slot stripes in ascending order, so two callers never wait on each
   * other in a cycle.
   */
  private List<Lock> lockSlots(List<SlotExpectation> expectations) {
    TreeSet<Integer> stripes = new TreeSet<>();
    for (SlotExpectation e : expectations) {
      stripes.add(stripe(e.identity(), e.kind()));
    }
    List<Lock> held = new ArrayList<>(stripes.size());
    long deadline = System.nanoTime() + timeoutNanos;
    try {
      for (int stripe : stripes) {
        ReentrantLock l = slotLocks[stripe];
        if (!l.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          throw timedOut("a slot held by a concurrent conditional write or fence");
        }
        held.add(l);
      }
    } catch (InterruptedException e) {
      unlock(held);
      Thread.currentThread().interrupt();
      throw guard.cancelled();
    } catch (RuntimeException e) {
      unlock(held);
      throw e;
    }
    return held;
  }

  private static void unlock(List<Lock> held) {
    for (int i = held.size() - 1; i >= 0; i--) {
      held.get(i).unlock();
    }
  }

  private StorageException timedOut(String what) {
    return new StorageException(
        "timed out after "
            + timeout.toMillis()
            + " ms (operationTimeout) waiting for "
            + what
            + "; nothing was changed",
        true,
        null);
  }

  private ConditionFailedException conditionFailed(SlotExpectation e) {
    StateRecord current = current(e.identity(), e.kind());
    return StoreGuard.conditionFailed(e, current == null ? null : current.id().value());
  }
}
