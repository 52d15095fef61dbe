package dev.harbor.state.reliability;

import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

/**
 * Deliberately broken stores, each the in-memory driver with one defect, for checking the checker:
 * every one must be caught. Each mirrors a defect a review found in a real driver (issues 10, 17
 * and 23); short pauses widen the window where the defect shows, as scheduling on a loaded machine
 * would.
 */
enum Mutations {

  /** A batch applied in two steps (issue 10 defects 1 and 6): readers see half of it. */
  BATCH_IN_TWO_STEPS(SplitBatch::new),

  /** saveIf checks only the written slot's expectation (issue 10 defect 4). */
  SAVE_IF_IGNORES_A_PREDICATE(IgnoredPredicate::new),

  /** Reads sometimes served from a stale copy. */
  STALE_READ(StaleRead::new),

  /** An acknowledged save that is not applied (issue 10 defect 2). */
  LOST_WRITE(LostWrite::new),

  /** Concurrent identical saves of one new event id conflict (issue 10 defect 3). */
  FALSE_CONFLICT(FalseConflict::new),

  /** deleteScope deletes what it saw, one record at a time (issue 17 defect 1). */
  DELETE_SCOPE_IN_STEPS(DeleteScopeInSteps::new),

  /** findByEventId misses a record find already shows (issue 17 defect 2). */
  EVENT_ID_INDEX_LAGS(IndexLags::new),

  /**
   * A save that fails "for good, nothing changed" after it was applied (issue 23 defect 8: a SQLite
   * COMMIT whose fsync failed, replayed by WAL recovery). Each fault arms one such save.
   */
  FAILED_WRITE_APPLIED(FailedWriteApplied::new),

  /**
   * After one I/O error, every later write fails (issue 23 defect 7: a SQLite instance kept a
   * statement the driver had closed). The fault arms the one error, once per history.
   */
  STUCK_AFTER_AN_IO_ERROR(StuckAfterAnError::new),

  /**
   * A save or delete whose acknowledgement was lost is run again a little later, blindly: a save
   * whose record is no longer live is written again, a delete deletes again, over whatever another
   * caller wrote meanwhile (issue 23 defect 1).
   */
  LOST_ACK_REAPPLIED(LostAckReapplied::new);

  private final UnaryOperator<StateStore> breaker;

  Mutations(UnaryOperator<StateStore> breaker) {
    this.breaker = breaker;
  }

  /** A mutant whose defect shows after a fault the recorder injects (a failed system call). */
  interface Faulted {
    /**
     * Arms the simulated fault: the next call that meets it fails.
     *
     * @return how many faults this injected (0 if one is still armed)
     */
    int arm();
  }

  /**
   * The faults the recorder injects into a broken store while a history runs: none, unless the
   * mutant is {@link Faulted}.
   *
   * @param broken a store {@link #wrap} returned
   * @return the fault, or null
   */
  HistoryRecorder.Fault fault(StateStore broken) {
    return broken instanceof Faulted f ? f::arm : null;
  }

  /**
   * Breaks a store.
   *
   * @param correct a correct store
   * @return the broken store over it
   */
  StateStore wrap(StateStore correct) {
    return breaker.apply(correct);
  }

  private static void pause() {
    LockSupport.parkNanos(
        TimeUnit.MICROSECONDS.toNanos(200 + ThreadLocalRandom.current().nextInt(800)));
  }

  private static boolean chance(int percent) {
    return ThreadLocalRandom.current().nextInt(100) < percent;
  }

  private static final class SplitBatch extends ForwardingStore {
    SplitBatch(StateStore delegate) {
      super(delegate);
    }

    @Override
    public void saveAll(List<StateRecord> records) {
      int half = Math.max(1, records.size() / 2);
      delegate.saveAll(records.subList(0, half));
      pause();
      if (half < records.size()) {
        delegate.saveAll(records.subList(half, records.size()));
      }
    }
  }

  private static final class IgnoredPredicate extends ForwardingStore {
    IgnoredPredicate(StateStore delegate) {
      super(delegate);
    }

    @Override
    public void saveIf(List<SlotExpectation> expectations, StateRecord next) {
      List<SlotExpectation> own =
          expectations.stream()
              .filter(e -> e.identity().equals(next.identity()) && e.kind().equals(next.kind()))
              .toList();
      delegate.saveIf(own, next);
    }
  }

  private static final class StaleRead extends ForwardingStore {
    private final Map<Object, Object> lastAnswer = new ConcurrentHashMap<>();

    StaleRead(StateStore delegate) {
      super(delegate);
    }

    @SuppressWarnings("unchecked")
    private <T> T maybeStale(Object key, T fresh) {
      Object old = lastAnswer.put(key, fresh);
      return old != null && chance(30) ? (T) old : fresh;
    }

    @Override
    public Optional<StateRecord> find(Quadruple identity, String kind) {
      return maybeStale(List.of(identity, kind), delegate.find(identity, kind));
    }

    @Override
    public Optional<StateRecord> findByEventId(EventId eventId) {
      return maybeStale(eventId, delegate.findByEventId(eventId));
    }
  }

  private static final class LostWrite extends ForwardingStore {
    LostWrite(StateStore delegate) {
      super(delegate);
    }

    @Override
    public void save(StateRecord record) {
      if (!chance(10)) {
        delegate.save(record);
      }
    }
  }

  private static final class FalseConflict extends ForwardingStore {
    private final Set<EventId> inFlight = ConcurrentHashMap.newKeySet();

    FalseConflict(StateStore delegate) {
      super(delegate);
    }

    @Override
    public void save(StateRecord record) {
      boolean first = delegate.findByEventId(record.id()).isEmpty() && inFlight.add(record.id());
      if (!first && delegate.findByEventId(record.id()).isEmpty()) {
        throw new IdempotencyConflictException("mutation: a concurrent save of the same id", null);
      }
      try {
        pause();
        delegate.save(record);
      } finally {
        if (first) {
          inFlight.remove(record.id());
        }
      }
    }
  }

  private static final class DeleteScopeInSteps extends ForwardingStore {
    DeleteScopeInSteps(StateStore delegate) {
      super(delegate);
    }

    @Override
    public int deleteScope(Identity identity) {
      List<StateRecord> seen =
          delegate.listKind(ListScope.MAINTENANCE, "k.").stream()
              .filter(r -> r.identity().identity().equals(identity))
              .toList();
      for (StateRecord r : seen) {
        pause();
        delegate.delete(r.identity(), r.kind());
      }
      return seen.size();
    }
  }

  private static final class LostAckReapplied extends ForwardingStore {
    LostAckReapplied(StateStore delegate) {
      super(delegate);
    }

    /** The answer is lost in transit: the others carry on before the driver's retry. */
    private static void answerLost() {
      LockSupport.parkNanos(
          TimeUnit.MICROSECONDS.toNanos(1_000 + ThreadLocalRandom.current().nextInt(4_000)));
    }

    @Override
    public void save(StateRecord record) {
      delegate.save(record);
      if (chance(30)) {
        answerLost();
        if (delegate.findByEventId(record.id()).isEmpty()) {
          delegate.save(record); // "not live, so it was not applied": it was, and was replaced
        }
      }
    }

    @Override
    public void delete(Quadruple identity, String kind) {
      delegate.delete(identity, kind);
      if (chance(30)) {
        answerLost();
        delegate.delete(identity, kind);
      }
    }
  }

  private static final class IndexLags extends ForwardingStore {
    private final Map<EventId, Long> notYetIndexed = new ConcurrentHashMap<>();

    IndexLags(StateStore delegate) {
      super(delegate);
    }

    private void written(StateRecord r) {
      notYetIndexed.put(r.id(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2));
    }

    @Override
    public void save(StateRecord record) {
      delegate.save(record);
      written(record);
    }

    @Override
    public void saveIf(List<SlotExpectation> expectations, StateRecord next) {
      delegate.saveIf(expectations, next);
      written(next);
    }

    @Override
    public Optional<StateRecord> findByEventId(EventId eventId) {
      Long until = notYetIndexed.get(eventId);
      if (until != null && System.nanoTime() - until < 0) {
        return Optional.empty();
      }
      return delegate.findByEventId(eventId);
    }
  }

  private static final class FailedWriteApplied extends ForwardingStore implements Faulted {
    private final AtomicBoolean armed = new AtomicBoolean();

    FailedWriteApplied(StateStore delegate) {
      super(delegate);
    }

    @Override
    public int arm() {
      return armed.compareAndSet(false, true) ? 1 : 0;
    }

    @Override
    public void save(StateRecord record) {
      delegate.save(record);
      if (armed.compareAndSet(true, false)) {
        throw new StorageException("mutation: fsync failed at commit", false, null);
      }
    }
  }

  private static final class StuckAfterAnError extends ForwardingStore implements Faulted {
    private final AtomicBoolean armed = new AtomicBoolean();
    private final AtomicBoolean injected = new AtomicBoolean();
    private volatile boolean stuck;

    StuckAfterAnError(StateStore delegate) {
      super(delegate);
    }

    @Override
    public int arm() {
      return injected.compareAndSet(false, true) && armed.compareAndSet(false, true) ? 1 : 0;
    }

    private void failIfBroken() {
      if (stuck) {
        throw new StorageException("mutation: statement is not executing", false, null);
      }
      if (armed.compareAndSet(true, false)) {
        stuck = true;
        throw new StorageException("mutation: the disk is full", false, null);
      }
    }

    @Override
    public void save(StateRecord record) {
      failIfBroken();
      delegate.save(record);
    }

    @Override
    public void saveAll(List<StateRecord> records) {
      failIfBroken();
      delegate.saveAll(records);
    }

    @Override
    public void saveIf(List<SlotExpectation> expectations, StateRecord next) {
      failIfBroken();
      delegate.saveIf(expectations, next);
    }

    @Override
    public void delete(Quadruple identity, String kind) {
      failIfBroken();
      delegate.delete(identity, kind);
    }
  }
}
