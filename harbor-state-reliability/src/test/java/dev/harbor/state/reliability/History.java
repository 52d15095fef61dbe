package dev.harbor.state.reliability;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import java.util.Comparator;
import java.util.List;

/**
 * A concurrent history: the operations client processes ran against a store, each with its call,
 * when it was invoked and when it completed ({@code System.nanoTime}, which is system-wide on
 * Linux, so processes of one machine share it), and how it ended.
 *
 * <p>The same {@link Call} runs against the store under test and against the sequential model
 * ({@link ModelStore}); the checker asks whether some order of the operations, each placed between
 * its invocation and completion, makes the model give every recorded outcome.
 *
 * @param ops the operations, in any order
 */
record History(List<Op> ops) {

  History {
    ops = List.copyOf(ops);
  }

  /**
   * One operation.
   *
   * @param id its number, unique in the history
   * @param process the client (thread or process) that ran it; a client runs one operation at a
   *     time
   * @param call what was called
   * @param invokedNanos when it was invoked
   * @param completedNanos when it completed; for an {@link Unknown} outcome the operation may take
   *     effect at any time after its invocation, or never
   * @param outcome how it ended
   */
  record Op(
      int id, int process, Call call, long invokedNanos, long completedNanos, Outcome outcome) {

    /** Whether the operation only reads and its outcome is known: it constrains, never changes. */
    boolean isRead() {
      return call.readOnly() && !indeterminate();
    }

    /** Whether the operation's effect, if any, is unknown. */
    boolean indeterminate() {
      return outcome instanceof Unknown;
    }

    /** Whether the store failed the call, saying it changed nothing ({@link Failed}). */
    boolean failed() {
      return outcome instanceof Failed;
    }

    /**
     * Whether the backend failed the call: it ended in a {@code StorageException} (a {@link Failed}
     * one, a transient one, or {@code CommitOutcomeUnknownException}), not in an interrupt or a
     * killed process.
     */
    boolean storageFailure() {
      return outcome instanceof Failed
          || outcome instanceof Unknown u
              && (u.why().startsWith(StorageException.class.getSimpleName())
                  || u.why().equals(CommitOutcomeUnknownException.class.getSimpleName()));
    }

    @Override
    public String toString() {
      return String.format(
          "#%d p%d [%,d .. %s] %s -> %s",
          id,
          process,
          invokedNanos,
          indeterminate() ? "?" : String.format("%,d", completedNanos),
          call,
          outcome);
    }
  }

  /** What an operation called. It runs the same way against a store and against the model. */
  sealed interface Call {

    /**
     * Runs the call.
     *
     * @param store a store, or the model
     * @return the call's result, normalized so that equal behaviour gives equal values: {@code
     *     null} for void calls, an {@code Optional<StateRecord>}, a {@code Boolean}, an {@code
     *     Integer}, or a list of records in slot order
     */
    Object run(StateStore store);

    /**
     * The tenant the call touches. Calls of different tenants share no slot and no event id (the
     * recorder keeps event ids per tenant), so each tenant's operations are checked on their own
     * (P-compositionality).
     *
     * @return the tenant
     */
    String tenant();

    /** Whether the call never changes the store. */
    default boolean readOnly() {
      return false;
    }
  }

  /** {@code save}. */
  record Save(StateRecord record) implements Call {
    @Override
    public Object run(StateStore store) {
      store.save(record);
      return null;
    }

    @Override
    public String tenant() {
      return record.identity().tenantId();
    }
  }

  /** {@code saveAll}. */
  record SaveAll(List<StateRecord> records) implements Call {
    @Override
    public Object run(StateStore store) {
      store.saveAll(records);
      return null;
    }

    @Override
    public String tenant() {
      return records.get(0).identity().tenantId();
    }
  }

  /** {@code saveIf}. */
  record SaveIf(List<SlotExpectation> expectations, StateRecord next) implements Call {
    @Override
    public Object run(StateStore store) {
      store.saveIf(expectations, next);
      return null;
    }

    @Override
    public String tenant() {
      return next.identity().tenantId();
    }
  }

  /** {@code saveBatchIf}. */
  record SaveBatchIf(List<SlotExpectation> expectations, List<StateRecord> writes) implements Call {
    @Override
    public Object run(StateStore store) {
      store.saveBatchIf(expectations, writes);
      return null;
    }

    @Override
    public String tenant() {
      return writes.get(0).identity().tenantId();
    }
  }

  /** {@code deleteIf}. */
  record DeleteIf(SlotExpectation expectation) implements Call {
    @Override
    public Object run(StateStore store) {
      return store.deleteIf(expectation);
    }

    @Override
    public String tenant() {
      return expectation.identity().tenantId();
    }
  }

  /** {@code delete}. */
  record Delete(Quadruple identity, String kind) implements Call {
    @Override
    public Object run(StateStore store) {
      store.delete(identity, kind);
      return null;
    }

    @Override
    public String tenant() {
      return identity.tenantId();
    }
  }

  /** {@code deleteScope}. */
  record DeleteScope(Identity identity) implements Call {
    @Override
    public Object run(StateStore store) {
      return store.deleteScope(identity);
    }

    @Override
    public String tenant() {
      return identity.tenantId();
    }
  }

  /** {@code find}. */
  record Find(Quadruple identity, String kind) implements Call {
    @Override
    public Object run(StateStore store) {
      return store.find(identity, kind);
    }

    @Override
    public String tenant() {
      return identity.tenantId();
    }

    @Override
    public boolean readOnly() {
      return true;
    }
  }

  /**
   * {@code findByEventId}. The tenant is the one whose pool the id was drawn from (an event id is a
   * capability, not identity-scoped; the recorder never lets one reach two tenants).
   */
  record FindByEventId(String tenant, EventId eventId) implements Call {
    @Override
    public Object run(StateStore store) {
      return store.findByEventId(eventId);
    }

    @Override
    public boolean readOnly() {
      return true;
    }
  }

  /** {@code listKindForIdentity} (unbounded), in slot order. */
  record ListForIdentity(Quadruple identity, String kindPrefix) implements Call {
    @Override
    public Object run(StateStore store) {
      return store.listKindForIdentity(identity, kindPrefix).stream()
          .sorted(ModelStore.SLOT_ORDER)
          .toList();
    }

    @Override
    public String tenant() {
      return identity.tenantId();
    }

    @Override
    public boolean readOnly() {
      return true;
    }
  }

  /**
   * {@code fenceIf} whose action appends the fenced generation to a side log: a read of the slot
   * that holds back conditional writes while the action runs.
   */
  record FenceIf(SlotExpectation expectation, List<String> sideLog) implements Call {
    @Override
    public Object run(StateStore store) {
      // The checker replays calls on the model many times: only a real store's fence writes the
      // log.
      boolean record = !ModelStore.DRIVER.equals(store.driverName());
      store.fenceIf(
          expectation,
          () -> {
            if (record) {
              synchronized (sideLog) {
                sideLog.add(expectation.expectedEventId().value());
              }
            }
          });
      return null;
    }

    @Override
    public String tenant() {
      return expectation.identity().tenantId();
    }

    @Override
    public boolean readOnly() {
      return true;
    }

    @Override
    public String toString() {
      return "FenceIf[" + expectation + "]";
    }
  }

  /** How an operation ended. */
  sealed interface Outcome {

    /**
     * Runs a call and says how it ended: a result, a contract failure, or (for a backend failure,
     * an unknown commit or an interrupt) unknown.
     *
     * @param call the call
     * @param store where to run it
     * @return the outcome
     */
    static Outcome of(Call call, StateStore store) {
      try {
        return new Returned(call.run(store));
      } catch (CommitOutcomeUnknownException | OperationCancelledException e) {
        return new Unknown(e.getClass().getSimpleName());
      } catch (StorageException e) {
        // CONTRACT.md 3.9: a non-transient failure changed nothing; a transient one may have, once
        // its commit was sent (4.14).
        return e.isTransient()
            ? new Unknown(e.getClass().getSimpleName() + " (transient)")
            : new Failed(e.getClass().getSimpleName());
      } catch (StateStoreException e) {
        return new Threw(e.getClass());
      }
    }
  }

  /** The call returned this value (normalized as {@link Call#run} says). */
  record Returned(Object value) implements Outcome {}

  /** The call failed with this contract exception, which tells that it changed nothing. */
  record Threw(Class<? extends StateStoreException> type) implements Outcome {
    @Override
    public String toString() {
      return "Threw[" + type.getSimpleName() + "]";
    }
  }

  /** The call's effect is unknown: it may have taken effect at any time after its invocation. */
  record Unknown(String why) implements Outcome {}

  /**
   * The backend failed the call for good (a non-transient {@code StorageException}, not {@code
   * CommitOutcomeUnknownException}): by CONTRACT.md 3.9 it changed nothing, so the checker leaves
   * it out; a write it made would appear from nowhere.
   */
  record Failed(String why) implements Outcome {}

  /** Operations in the order of their invocation. */
  static final Comparator<Op> BY_INVOCATION = Comparator.comparingLong(Op::invokedNanos);
}
