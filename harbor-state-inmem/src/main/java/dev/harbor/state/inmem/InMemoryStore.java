package dev.harbor.state.inmem;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreDriver;
import dev.harbor.state.spi.StoreErrors;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The reference driver: the contract's semantics, kept plainly on the heap.
 *
 * <p>Layout: a sorted map from slot to record, in the order every listing and scan returns (see
 * {@link Slot#ORDER}), so each of them is a walk over one range of it; and a hash map indexing the
 * live records by event id. Stored records are immutable (a {@link StateRecord} copies its bytes in
 * and out), so they are handed to callers as they are.
 *
 * <p>Concurrency: one lock guards both maps and the fence registry; every call, read or write,
 * holds it for its whole step. So every call is one atomic step and every read sees one whole
 * state: never half of a batch, never a slot without its event id. This driver is the reference, so
 * correctness that is obvious beats speed: no read-write lock, no striping, no optimistic reads.
 *
 * <p>Fences: {@code fenceIf} checks its slot and registers it in {@link #fenced} under the lock,
 * then releases the lock while the caller's action runs; conditional writes and other fences wait
 * (on {@link #fenceLifted}, which releases the lock while waiting) until none of their slots is
 * fenced, and then check and write under the same hold. Holding the lock across the action instead
 * would stall every other call for as long as the action runs, and would deadlock an action that
 * waits for an unconditional save on another thread, which the contract lets through.
 */
final class InMemoryStore implements StoreDriver {

  static final String DRIVER = "inmem";

  private final StoreContext context;
  private final Duration timeout;

  private final ReentrantLock lock = new ReentrantLock();

  /** Signalled when a fence is lifted and when the store starts closing. */
  private final Condition fenceLifted = lock.newCondition();

  // Guarded by lock.
  private final NavigableMap<Slot, StateRecord> slots = new TreeMap<>(Slot.ORDER);
  private final Map<EventId, StateRecord> byEventId = new HashMap<>();

  /** The fenced slots and the thread whose action runs under each fence; guarded by lock. */
  private final Map<Slot, Thread> fenced = new HashMap<>();

  InMemoryStore(StoreContext context, Duration operationTimeout) {
    this.context = context;
    this.timeout = operationTimeout;
  }

  // ---- writes ----

  @Override
  public void save(StateRecord record) {
    locked(List.of(), () -> apply(List.of(record)));
  }

  @Override
  public void saveAll(List<StateRecord> records) {
    locked(List.of(), () -> apply(records));
  }

  @Override
  public void saveIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    locked(
        slotsOf(expectations),
        () -> {
          for (SlotExpectation e : expectations) {
            requireHolds(e);
          }
          return apply(writes);
        });
  }

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    return locked(
        List.of(Slot.of(expectation)),
        () -> {
          StateRecord current = slots.get(Slot.of(expectation));
          if (current == null || !expectation.matches(current)) {
            return false;
          }
          remove(current);
          return true;
        });
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    Slot slot = Slot.of(expectation);
    locked(
        List.of(slot),
        () -> {
          requireHolds(expectation);
          return fenced.put(slot, Thread.currentThread());
        });
    try {
      action.run();
    } finally {
      // Uninterruptibly: the fence must be lifted even if the action left this thread interrupted,
      // and nobody holds the lock for long.
      lock.lock();
      try {
        fenced.remove(slot);
        fenceLifted.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    locked(
        List.of(),
        () -> {
          StateRecord current = slots.get(new Slot(identity, kind));
          if (current != null) {
            remove(current);
          }
          return null;
        });
  }

  @Override
  public int deleteScope(Identity identity) {
    return locked(
        List.of(),
        () -> {
          // The session's slots are one range, starting at its empty run and kind.
          Map<Slot, StateRecord> session = sessionRange(identity);
          int count = session.size();
          session.values().forEach(r -> byEventId.remove(r.id()));
          session.clear();
          return count;
        });
  }

  @Override
  public int purge(String tenantId, String kindPrefix, Instant latest, int limit) {
    return locked(
        List.of(),
        () -> {
          // The tenant's range, walked in slot order; a stable sort by updatedAt then keeps ties in
          // slot order.
          List<StateRecord> old = new ArrayList<>();
          for (StateRecord r : tenantRange(tenantId, "").values()) {
            if (r.kind().startsWith(kindPrefix) && !stampOf(r).isAfter(latest)) {
              old.add(r);
            }
          }
          old.sort(Comparator.comparing(InMemoryStore::stampOf));
          return removeAll(old.subList(0, Math.min(limit, old.size())));
        });
  }

  @Override
  public int eraseUser(String tenantId, String userId, int limit) {
    return locked(List.of(), () -> removeFirst(tenantRange(tenantId, userId), limit));
  }

  @Override
  public int eraseTenant(String tenantId, int limit) {
    return locked(List.of(), () -> removeFirst(tenantRange(tenantId, ""), limit));
  }

  private static Instant stampOf(StateRecord r) {
    return Objects.requireNonNull(r.updatedAt(), "stored records are stamped");
  }

  /**
   * The slots of a tenant, or of one of its users when {@code userId} is non-empty: one range, from
   * its first slot (empty strings sort first) to the first slot of another tenant or user.
   */
  private NavigableMap<Slot, StateRecord> tenantRange(String tenantId, String userId) {
    NavigableMap<Slot, StateRecord> from =
        slots.tailMap(new Slot(new Quadruple(tenantId, userId, "", ""), ""), true);
    for (Slot slot : from.keySet()) {
      Quadruple q = slot.identity();
      if (!q.tenantId().equals(tenantId) || (!userId.isEmpty() && !q.userId().equals(userId))) {
        return from.headMap(slot, false);
      }
    }
    return from;
  }

  private int removeFirst(NavigableMap<Slot, StateRecord> range, int limit) {
    List<StateRecord> first = new ArrayList<>(Math.min(limit, range.size()));
    for (StateRecord r : range.values()) {
      if (first.size() == limit) {
        break;
      }
      first.add(r);
    }
    return removeAll(first);
  }

  private int removeAll(List<StateRecord> records) {
    records.forEach(this::remove);
    return records.size();
  }

  private NavigableMap<Slot, StateRecord> sessionRange(Identity identity) {
    NavigableMap<Slot, StateRecord> from =
        slots.tailMap(new Slot(identity.sessionScoped(), ""), true);
    Slot end = null;
    for (Slot slot : from.keySet()) {
      if (!slot.identity().identity().equals(identity)) {
        end = slot;
        break;
      }
    }
    return end == null ? from : from.headMap(end, false);
  }

  // ---- reads ----

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    return locked(List.of(), () -> Optional.ofNullable(slots.get(new Slot(identity, kind))));
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    return locked(List.of(), () -> Optional.ofNullable(byEventId.get(eventId)));
  }

  @Override
  public Optional<StateRecord> findByEventId(String tenantId, EventId eventId) {
    // The same one hash lookup as the unscoped one; another tenant's record is not returned.
    return locked(
        List.of(),
        () ->
            Optional.ofNullable(byEventId.get(eventId))
                .filter(r -> r.identity().tenantId().equals(tenantId)));
  }

  @Override
  public List<StateRecord> listKind(String kindPrefix, int limit) {
    return locked(
        List.of(),
        () -> {
          List<StateRecord> out = new ArrayList<>();
          for (StateRecord r : slots.values()) {
            if (out.size() == limit) {
              break;
            }
            if (r.kind().startsWith(kindPrefix)) {
              out.add(r);
            }
          }
          return out;
        });
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    return locked(
        List.of(),
        () -> {
          // The quadruple's kinds with the prefix are one range, starting at the prefix itself.
          List<StateRecord> out = new ArrayList<>();
          for (StateRecord r : slots.tailMap(new Slot(identity, kindPrefix), true).values()) {
            if (out.size() == limit
                || !r.identity().equals(identity)
                || !r.kind().startsWith(kindPrefix)) {
              break;
            }
            out.add(r);
          }
          return out;
        });
  }

  @Override
  public List<StateRecord> scanKindForTenant(
      String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max) {
    return locked(List.of(), () -> scanKindForTenant(slots, tenantId, kindPrefix, after, max));
  }

  private static List<StateRecord> scanKindForTenant(
      NavigableMap<Slot, StateRecord> slots,
      String tenantId,
      String kindPrefix,
      Optional<ScanContinuations.Position> after,
      int max) {
    NavigableMap<Slot, StateRecord> range =
        after
            .map(p -> slots.tailMap(Slot.after(tenantId, p), false))
            .orElseGet(() -> slots.tailMap(Slot.firstOfTenant(tenantId), true));
    List<StateRecord> out = new ArrayList<>();
    for (StateRecord r : range.values()) {
      if (out.size() == max || !r.identity().tenantId().equals(tenantId)) {
        break;
      }
      if (r.kind().startsWith(kindPrefix)) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
    return locked(List.of(), () -> scanAll(slots, after, max));
  }

  private static List<StateRecord> scanAll(
      NavigableMap<Slot, StateRecord> slots, Optional<StateRecord> after, int max) {
    NavigableMap<Slot, StateRecord> range =
        after.map(r -> slots.tailMap(Slot.of(r), false)).orElse(slots);
    List<StateRecord> out = new ArrayList<>(Math.min(max, range.size()));
    for (StateRecord r : range.values()) {
      if (out.size() == max) {
        break;
      }
      out.add(r);
    }
    return out;
  }

  /**
   * A copy of the slot index taken in one step under the lock: the records are immutable and
   * shared, so the copy costs an entry per record, never a payload. Its scans run on the copy
   * without the lock, so writers go on.
   */
  @Override
  public Snapshot snapshot() {
    NavigableMap<Slot, StateRecord> copy = locked(List.of(), () -> new TreeMap<>(slots));
    return new Snapshot() {
      @Override
      public List<StateRecord> scanAll(Optional<StateRecord> after, int max) {
        return InMemoryStore.scanAll(copy, after, max);
      }

      @Override
      public List<StateRecord> scanKindForTenant(
          String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max) {
        return InMemoryStore.scanKindForTenant(copy, tenantId, kindPrefix, after, max);
      }

      @Override
      public void close() {
        copy.clear();
      }
    };
  }

  // ---- lifecycle ----

  @Override
  public void closing() {
    // Calls waiting for a fence give up now, with StoreClosedException, instead of at their
    // timeout.
    lock.lock();
    try {
      fenceLifted.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      slots.clear();
      byEventId.clear();
    } finally {
      lock.unlock();
    }
  }

  // ---- internals; callers hold the lock ----

  /**
   * Checks every write's idempotency before the first mutation, then applies those that are not
   * replays (a replay writes nothing at all).
   */
  private Void apply(List<StateRecord> writes) {
    List<StateRecord> toWrite = new ArrayList<>(writes.size());
    for (StateRecord w : writes) {
      StateRecord live = byEventId.get(w.id());
      if (live == null) {
        toWrite.add(w);
      } else if (!live.sameContent(w)) {
        throw StoreErrors.idempotencyConflict(
            w, live.identity().equals(w.identity()) && live.kind().equals(w.kind()));
      }
    }
    for (StateRecord w : toWrite) {
      StateRecord previous = slots.put(Slot.of(w), w);
      if (previous != null) {
        byEventId.remove(previous.id());
      }
      byEventId.put(w.id(), w);
    }
    return null;
  }

  /** Throws the contract's exception unless the expectation holds. */
  private void requireHolds(SlotExpectation e) {
    StateRecord current = slots.get(Slot.of(e));
    if (!e.matches(current)) {
      throw StoreErrors.conditionFailed(e, current == null ? null : current.id().value());
    }
  }

  /** Removes a live record from its slot and forgets its event id. */
  private void remove(StateRecord record) {
    slots.remove(Slot.of(record));
    byEventId.remove(record.id());
  }

  private static List<Slot> slotsOf(List<SlotExpectation> expectations) {
    return expectations.stream().map(Slot::of).toList();
  }

  // ---- locking ----

  /**
   * Runs one step under the lock, once none of {@code unfenced} is fenced: the lock and the fences
   * are waited for within one operationTimeout, interruptibly, and the store is checked open again
   * after each wait, so a close or an interrupt that arrived meanwhile wins.
   */
  private <T> T locked(List<Slot> unfenced, Supplier<T> step) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      if (!lock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw StoreErrors.timedOut(timeout, "the store's lock");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw context.cancelled();
    }
    try {
      context.checkOpen();
      while (isAnyFenced(unfenced)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw StoreErrors.timedOut(timeout, "a slot held by a concurrent fence");
        }
        fenceLifted.awaitNanos(left);
        context.checkOpen();
      }
      return step.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw context.cancelled();
    } finally {
      lock.unlock();
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
                + StoreErrors.describe(slot.identity(), slot.kind()));
      }
      if (owner != null) {
        return true;
      }
    }
    return false;
  }
}
