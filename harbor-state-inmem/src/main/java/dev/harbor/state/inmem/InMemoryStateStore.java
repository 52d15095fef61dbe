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
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The reference store: the contract's semantics, kept plainly on the heap.
 *
 * <p>Layout: a hash map from slot to record; a sorted set of the same slots, in the order every
 * listing and scan returns (see {@link Slot#ORDER}), so each of them is a walk over one range of
 * it; and a hash map indexing the live records by event id. Stored records are immutable (a {@link
 * StateRecord} copies its bytes in and out), so they are handed to callers as they are.
 *
 * <p>Concurrency: one {@link ReentrantReadWriteLock} guards the maps, the sorted set and the fence
 * registry. Every mutation holds it exclusively and every read holds it shared, so a read sees one
 * whole state of the store: never half of a batch, never a slot without its event id. {@link
 * #close()} marks the store closed while holding it exclusively, and every call checks "closed"
 * again once it holds the lock, so a call either completes before the close or throws {@code
 * StoreClosedException}. This driver is the reference, so correctness that is obvious beats speed:
 * no optimistic reads, no striping, no per-slot locks.
 *
 * <p>Fences: {@code fenceIf} checks its slot and registers it in {@link #fenced} under the
 * exclusive lock, then releases the lock while the action runs; {@code saveIf}, {@code
 * saveBatchIf}, {@code deleteIf} and other fences wait (on {@link #fenceLifted}, which releases the
 * lock while waiting) until none of their slots is fenced, and then check and write under the same
 * exclusive hold. Holding the store lock across the action instead would stall every other call,
 * reads included, for as long as the caller's action runs, and would deadlock an action that waits
 * for an unconditional save on another thread, which the contract lets through.
 */
final class InMemoryStateStore implements StateStore {

  static final String DRIVER = "inmem";

  private final StoreGuard guard;
  private final long timeoutNanos;
  private final Duration timeout;

  // Non-fair: a waiting writer still holds back new readers, so writes are not starved.
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /** Signalled, under the exclusive lock, when a fence is lifted and when the store closes. */
  private final Condition fenceLifted = lock.writeLock().newCondition();

  // Guarded by lock. The sorted set holds exactly the keys of the slot map; it changes only when a
  // slot appears or disappears, so overwriting a slot, the common write, touches only hash maps.
  private final Map<Slot, StateRecord> slots = new HashMap<>();
  private final NavigableSet<Slot> order = new TreeSet<>(Slot.ORDER);
  private final Map<EventId, StateRecord> byEventId = new HashMap<>();

  /** The fenced slots and the thread whose action runs under each fence; guarded by lock. */
  private final Map<Slot, Thread> fenced = new HashMap<>();

  InMemoryStateStore(int maxPayloadBytes, Duration operationTimeout, Clock clock) {
    this.guard = new StoreGuard(DRIVER, maxPayloadBytes, clock);
    this.timeout = operationTimeout;
    this.timeoutNanos = operationTimeout.toNanos();
  }

  // ---- writes ----

  @Override
  public void save(StateRecord record) {
    guard.save(record);
    StateRecord stamped = guard.stamp(record);
    Lock held = exclusive();
    try {
      apply(List.of(stamped));
    } finally {
      held.unlock();
    }
  }

  @Override
  public void saveAll(List<StateRecord> records) {
    guard.saveAll(records);
    if (records.isEmpty()) {
      return;
    }
    List<StateRecord> stamped = records.stream().map(guard::stamp).toList();
    Lock held = exclusive();
    try {
      apply(stamped);
    } finally {
      held.unlock();
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
    Lock held = exclusiveUnfenced(expectations.stream().map(Slot::of).toList());
    try {
      for (SlotExpectation e : expectations) {
        if (!e.matches(slots.get(Slot.of(e)))) {
          throw conditionFailed(e);
        }
      }
      apply(writes);
    } finally {
      held.unlock();
    }
  }

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    guard.deleteIf(expectation);
    Slot slot = Slot.of(expectation);
    Lock held = exclusiveUnfenced(List.of(slot));
    try {
      StateRecord current = slots.get(slot);
      if (current == null || !expectation.matches(current)) {
        return false;
      }
      remove(current);
      return true;
    } finally {
      held.unlock();
    }
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    guard.fenceIf(expectation, action);
    Slot slot = Slot.of(expectation);
    Lock held = exclusiveUnfenced(List.of(slot));
    try {
      if (!expectation.matches(slots.get(slot))) {
        throw conditionFailed(expectation);
      }
      fenced.put(slot, Thread.currentThread());
    } finally {
      held.unlock();
    }
    try {
      action.run();
    } finally {
      // Uninterruptibly: the fence must be lifted even if the action left this thread interrupted,
      // and nobody holds the lock for long.
      lock.writeLock().lock();
      try {
        fenced.remove(slot);
        fenceLifted.signalAll();
      } finally {
        lock.writeLock().unlock();
      }
    }
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    guard.slot(identity, kind);
    Lock held = exclusive();
    try {
      StateRecord current = slots.get(new Slot(identity, kind));
      if (current != null) {
        remove(current);
      }
    } finally {
      held.unlock();
    }
  }

  @Override
  public int deleteScope(Identity identity) {
    guard.deleteScope(identity);
    Lock held = exclusive();
    try {
      int count = 0;
      Iterator<Slot> session =
          order.tailSet(new Slot(identity.sessionScoped(), ""), true).iterator();
      while (session.hasNext()) {
        Slot slot = session.next();
        if (!slot.identity().identity().equals(identity)) {
          break;
        }
        session.remove();
        byEventId.remove(slots.remove(slot).id());
        count++;
      }
      return count;
    } finally {
      held.unlock();
    }
  }

  // ---- reads ----

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    guard.slot(identity, kind);
    Lock held = shared();
    try {
      return Optional.ofNullable(slots.get(new Slot(identity, kind)));
    } finally {
      held.unlock();
    }
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
    Lock held = shared();
    try {
      return Optional.ofNullable(byEventId.get(eventId));
    } finally {
      held.unlock();
    }
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
    return allWithKindPrefix(kindPrefix, Integer.MAX_VALUE);
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix, int limit) {
    guard.listKind(scope, kindPrefix, limit);
    return allWithKindPrefix(kindPrefix, limit);
  }

  /** The first {@code limit} records whose kind has the prefix, in slot order. */
  private List<StateRecord> allWithKindPrefix(String kindPrefix, int limit) {
    Lock held = shared();
    try {
      List<StateRecord> out = new ArrayList<>();
      for (Slot slot : order) {
        if (slot.kind().startsWith(kindPrefix)) {
          out.add(slots.get(slot));
          if (out.size() == limit) {
            break;
          }
        }
      }
      return out;
    } finally {
      held.unlock();
    }
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

  /** The quadruple's kinds with the prefix are one range, starting at the prefix. */
  private List<StateRecord> forIdentity(Quadruple identity, String kindPrefix, int limit) {
    Lock held = shared();
    try {
      List<StateRecord> out = new ArrayList<>();
      for (Slot slot : order.tailSet(new Slot(identity, kindPrefix), true)) {
        if (out.size() == limit
            || !slot.identity().equals(identity)
            || !slot.kind().startsWith(kindPrefix)) {
          break;
        }
        out.add(slots.get(slot));
      }
      return out;
    } finally {
      held.unlock();
    }
  }

  @Override
  public ScanPage scanKindForTenant(
      ListScope scope, String tenantId, String kindPrefix, int limit, String continuation) {
    Optional<ScanContinuations.Position> after =
        guard.scan(scope, tenantId, kindPrefix, limit, continuation);
    List<StateRecord> rows = new ArrayList<>();
    Lock held = shared();
    try {
      NavigableSet<Slot> range =
          after
              .map(
                  p ->
                      order.tailSet(
                          new Slot(
                              new Quadruple(tenantId, p.userId(), p.sessionId(), p.runId()),
                              p.kind()),
                          false))
              .orElseGet(() -> order.tailSet(Slot.firstOfTenant(tenantId), true));
      for (Slot slot : range) {
        if (rows.size() > limit || !slot.identity().tenantId().equals(tenantId)) {
          break;
        }
        if (slot.kind().startsWith(kindPrefix)) {
          rows.add(slots.get(slot)); // up to limit + 1, to know whether another page follows
        }
      }
    } finally {
      held.unlock();
    }
    return ScanContinuations.page(scope, tenantId, kindPrefix, limit, rows);
  }

  @Override
  public ScanPage scanAll(ListScope scope, int limit, String continuation) {
    Optional<StateRecord> after = guard.scanAll(scope, limit, continuation);
    List<StateRecord> rows = new ArrayList<>();
    Lock held = shared();
    try {
      NavigableSet<Slot> range = after.map(r -> order.tailSet(Slot.of(r), false)).orElse(order);
      for (Slot slot : range) {
        if (rows.size() > limit) {
          break;
        }
        rows.add(slots.get(slot)); // up to limit + 1, to know whether another page follows
      }
    } finally {
      held.unlock();
    }
    return ScanContinuations.pageAll(scope, limit, rows);
  }

  @Override
  public String driverName() {
    guard.checkOpen();
    return DRIVER;
  }

  @Override
  public void close() {
    if (guard.isClosed()) {
      return;
    }
    // Marked under the exclusive lock: a call holding the lock finishes first, and every call that
    // takes it afterwards sees "closed". Uninterruptibly, so that close always closes.
    lock.writeLock().lock();
    try {
      if (guard.markClosed()) {
        slots.clear();
        order.clear();
        byEventId.clear();
        fenced.clear();
        fenceLifted.signalAll(); // waiters for a fence give up now, with StoreClosedException
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  // ---- internals; callers hold the exclusive lock ----

  /**
   * Checks every write's idempotency before the first mutation, then applies those that are not
   * replays (a replay writes nothing at all).
   */
  private void apply(List<StateRecord> writes) {
    List<StateRecord> toWrite = new ArrayList<>(writes.size());
    for (StateRecord w : writes) {
      StateRecord live = byEventId.get(w.id());
      if (live == null) {
        toWrite.add(w);
      } else if (!live.sameContent(w)) {
        throw StoreGuard.idempotencyConflict(
            w, live.identity().equals(w.identity()) && live.kind().equals(w.kind()));
      }
    }
    for (StateRecord w : toWrite) {
      Slot slot = Slot.of(w);
      StateRecord previous = slots.put(slot, w);
      if (previous == null) {
        order.add(slot);
      } else {
        byEventId.remove(previous.id());
      }
      byEventId.put(w.id(), w);
    }
  }

  /** Removes a live record from its slot and forgets its event id. */
  private void remove(StateRecord record) {
    Slot slot = Slot.of(record);
    slots.remove(slot);
    order.remove(slot);
    byEventId.remove(record.id());
  }

  private ConditionFailedException conditionFailed(SlotExpectation e) {
    StateRecord current = slots.get(Slot.of(e));
    return StoreGuard.conditionFailed(e, current == null ? null : current.id().value());
  }

  // ---- locking ----

  /** Takes the lock for a read; the caller unlocks the returned lock. */
  private Lock shared() {
    return acquire(lock.readLock());
  }

  /** Takes the lock for a write; the caller unlocks the returned lock. */
  private Lock exclusive() {
    return acquire(lock.writeLock());
  }

  /**
   * Takes the lock, bounded by operationTimeout and interruptibly, then checks again that the store
   * is open and the caller not interrupted: a close that won meanwhile wins.
   */
  private Lock acquire(Lock l) {
    try {
      if (!l.tryLock(timeoutNanos, TimeUnit.NANOSECONDS)) {
        throw timedOut("the store's lock");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw guard.cancelled();
    }
    try {
      guard.checkOpen();
    } catch (RuntimeException e) {
      l.unlock();
      throw e;
    }
    return l;
  }

  /**
   * Takes the exclusive lock once none of {@code wanted} is fenced, waiting for fences to be lifted
   * within the same operationTimeout.
   */
  private Lock exclusiveUnfenced(List<Slot> wanted) {
    long start = System.nanoTime();
    Lock held = exclusive();
    try {
      while (isAnyFenced(wanted)) {
        long left = timeoutNanos - (System.nanoTime() - start);
        if (left <= 0) {
          throw timedOut("a slot held by a concurrent fence");
        }
        fenceLifted.awaitNanos(left);
        guard.checkOpen();
      }
      return held;
    } catch (InterruptedException e) {
      held.unlock();
      Thread.currentThread().interrupt();
      throw guard.cancelled();
    } catch (RuntimeException | Error e) {
      held.unlock();
      throw e;
    }
  }

  private boolean isAnyFenced(List<Slot> wanted) {
    if (fenced.isEmpty()) {
      return false;
    }
    for (Slot slot : wanted) {
      Thread owner = fenced.get(slot);
      if (owner == Thread.currentThread()) {
        // Waiting would never end: the fence is lifted only when this thread's action returns.
        throw new IllegalStateException(
            "fenceIf's action called the same store on its fenced slot "
                + StoreGuard.describe(slot.identity(), slot.kind()));
      }
      if (owner != null) {
        return true;
      }
    }
    return false;
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
}
