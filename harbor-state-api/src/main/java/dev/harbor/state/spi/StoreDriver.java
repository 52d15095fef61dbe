package dev.harbor.state.spi;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a driver implements: the storage primitives, nothing else. {@link StoreCore} is the one
 * {@link dev.harbor.state.StateStore}; it checks that the store is open and the caller not
 * interrupted, validates every argument, stamps {@code updatedAt}, derives the convenience methods
 * and manages closing, then calls one of these methods. So a driver receives only valid input:
 * complete identities, well-formed strings, stamped records within the payload limit, batches
 * without duplicate slots or event ids, limits within range, decoded continuations.
 *
 * <p>A driver keeps the contract's semantics (docs/CONTRACT.md): each method is one atomic,
 * linearizable step; idempotency and conditions are decided by the driver against storage, and
 * reported with the exceptions {@link StoreErrors} words. A driver that waits (for a lock, a
 * connection, a fenced slot) calls {@link StoreContext#checkOpen()} afterwards and bounds the wait
 * by its {@code operationTimeout}.
 *
 * <p>Adding a {@code StateStore} method means one primitive here (if storage must do new work), one
 * method in {@link StoreCore}, one rule in its checks, and one implementation per driver.
 */
public interface StoreDriver {

  /** The limit of the unbounded listings: every matching record. */
  int ALL = Integer.MAX_VALUE;

  /**
   * Stores one record; a replay of its event id with the same content changes nothing.
   *
   * @param record validated and stamped
   * @throws dev.harbor.state.IdempotencyConflictException if its event id is live with other
   *     content
   */
  void save(StateRecord record);

  /**
   * Stores a batch atomically: all of it or, on any exception, none of it.
   *
   * @param records validated and stamped, at least one, no slot or event id twice
   * @throws dev.harbor.state.IdempotencyConflictException if one event id is live with other
   *     content
   */
  void saveAll(List<StateRecord> records);

  /**
   * Checks every expectation and stores the writes, as one atomic step.
   *
   * @param expectations at least one, no slot twice
   * @param writes validated and stamped, each on an expected slot, at least one
   * @throws dev.harbor.state.ConditionFailedException if an expectation does not hold
   * @throws dev.harbor.state.IdempotencyConflictException if a write's event id is live with other
   *     content
   */
  void saveIf(List<SlotExpectation> expectations, List<StateRecord> writes);

  /**
   * Deletes the slot's record if it holds the expected event id.
   *
   * @param expectation exact, not "absent"
   * @return whether a record was deleted
   */
  boolean deleteIf(SlotExpectation expectation);

  /**
   * Runs the action while the slot is held at the expected event id: conditional writes to it wait.
   *
   * @param expectation exact, not "absent"
   * @param action the caller's action, already wrapped by the core; run it exactly once. It never
   *     throws: the core keeps the action's own exception and throws it once the driver released
   *     the fence, so a driver releases as after any action
   * @throws dev.harbor.state.ConditionFailedException if the expectation does not hold
   */
  void fenceIf(SlotExpectation expectation, Runnable action);

  /**
   * Deletes the slot's record, if any.
   *
   * @param identity a complete quadruple
   * @param kind the kind
   */
  void delete(Quadruple identity, String kind);

  /**
   * Deletes every record of a session, as one atomic step.
   *
   * @param identity a complete identity
   * @return the number of records deleted
   */
  int deleteScope(Identity identity);

  /**
   * Deletes, as one atomic step, at most {@code limit} records of the tenant whose kind starts with
   * the literal prefix and whose {@code updatedAt} is at or before {@code latest}, oldest first,
   * ties in slot order. A record replaced concurrently by a newer one is not deleted.
   *
   * @param tenantId the tenant
   * @param kindPrefix a well-formed prefix, matched literally
   * @param latest the latest {@code updatedAt} to delete, inclusive: the core turned the caller's
   *     exclusive cutoff into it, a whole microsecond within {@link StateRecord#MIN_UPDATED_AT}..
   *     {@link StateRecord#MAX_UPDATED_AT}
   * @param limit 1..{@value Limits#MAX_ERASE_LIMIT}
   * @return the number deleted; fewer than {@code limit} only if no more match, or if the driver
   *     bounds its steps lower (it documents why), or under concurrent writes
   */
  int purge(String tenantId, String kindPrefix, Instant latest, int limit);

  /**
   * Deletes, as one atomic step, at most {@code limit} records of the tenant and user.
   *
   * @param tenantId the tenant
   * @param userId the user
   * @param limit 1..{@value Limits#MAX_ERASE_LIMIT}
   * @return the number deleted
   */
  int eraseUser(String tenantId, String userId, int limit);

  /**
   * Deletes, as one atomic step, at most {@code limit} records of the tenant.
   *
   * @param tenantId the tenant
   * @param limit 1..{@value Limits#MAX_ERASE_LIMIT}
   * @return the number deleted
   */
  int eraseTenant(String tenantId, int limit);

  /**
   * The slot's record.
   *
   * @param identity a complete quadruple
   * @param kind the kind
   * @return the record, or empty
   */
  Optional<StateRecord> find(Quadruple identity, String kind);

  /**
   * The live record with this event id.
   *
   * @param eventId a well-formed event id
   * @return the record, or empty
   */
  Optional<StateRecord> findByEventId(EventId eventId);

  /**
   * The live record with this event id if it is the tenant's: one indexed lookup by event id with
   * the tenant as a predicate of the same lookup, so another tenant's live record is a miss that
   * costs what any miss costs, and is never read into the driver's memory where storage can filter.
   *
   * @param tenantId a well-formed, non-empty tenant
   * @param eventId a well-formed event id
   * @return the tenant's record, or empty
   */
  Optional<StateRecord> findByEventId(String tenantId, EventId eventId);

  /**
   * Records of every identity whose kind starts with the literal prefix: in slot order when
   * bounded; in any order when {@code limit} is {@link #ALL} (the unbounded listing's order is
   * unspecified, so a driver need not sort every matching record).
   *
   * @param kindPrefix a well-formed prefix, matched literally
   * @param limit the most to return; {@link #ALL} for all
   * @return at most {@code limit} records
   */
  List<StateRecord> listKind(String kindPrefix, int limit);

  /**
   * The quadruple's records whose kind starts with the literal prefix, in kind order.
   *
   * @param identity a complete quadruple
   * @param kindPrefix a well-formed prefix, matched literally
   * @param limit the most to return; {@link #ALL} for all
   * @return at most {@code limit} records
   */
  List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit);

  /**
   * The tenant's records whose kind starts with the literal prefix, in slot order, after a
   * position.
   *
   * @param tenantId the tenant
   * @param kindPrefix a well-formed prefix, matched literally
   * @param after the slot to resume after, or empty to start at the tenant's first slot
   * @param max the most to return (the page's limit plus one, so the core knows whether more
   *     follow)
   * @return at most {@code max} records
   */
  List<StateRecord> scanKindForTenant(
      String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max);

  /**
   * Every record, in slot order, after a slot.
   *
   * @param after a record holding the slot to resume after, or empty to start at the first slot
   * @param max the most to return (the page's limit plus one)
   * @return at most {@code max} records
   */
  List<StateRecord> scanAll(Optional<StateRecord> after, int max);

  /**
   * Opens a read view of one consistent state of the store, for exports and copies ({@link
   * StoreCore#snapshot}): every scan of the view reads the store as it was when the view opened,
   * whatever is written meanwhile, so each batch is seen whole or not at all and no event id
   * appears twice. It must not hold back writers, and its memory must not grow with the store
   * beyond what the driver already holds (a page at a time, or references to records the driver
   * keeps anyway).
   *
   * <p>The core serializes the view's calls, never calls it after {@link Snapshot#close()}, and
   * closes every view still open once the calls in flight have returned and before {@link
   * #close()}: a view's resources (its connection, its transaction) are released with it.
   *
   * @return the view, open
   * @throws UnsupportedOperationException if the driver offers no snapshot (the default)
   */
  default Snapshot snapshot() {
    throw new UnsupportedOperationException(
        getClass().getName() + " offers no snapshot of the whole store");
  }

  /**
   * One consistent state of the store, as {@link #snapshot()} opened it: the scans of {@link
   * StoreDriver}, read from that state. Its calls have the contract of the store's own scans, and
   * each call's waiting is bounded by the store's {@code operationTimeout}; the view's life is not.
   */
  interface Snapshot extends AutoCloseable {

    /**
     * As {@link StoreDriver#scanAll}, in the snapshot's state.
     *
     * @param after a record holding the slot to resume after, or empty to start at the first slot
     * @param max the most to return (the page's limit plus one)
     * @return at most {@code max} records
     */
    List<StateRecord> scanAll(Optional<StateRecord> after, int max);

    /**
     * As {@link StoreDriver#scanKindForTenant}, in the snapshot's state.
     *
     * @param tenantId the tenant
     * @param kindPrefix a well-formed prefix, matched literally
     * @param after the slot to resume after, or empty to start at the tenant's first slot
     * @param max the most to return (the page's limit plus one)
     * @return at most {@code max} records
     */
    List<StateRecord> scanKindForTenant(
        String tenantId, String kindPrefix, Optional<ScanContinuations.Position> after, int max);

    /** Releases what the view holds; called once. A failure to release is logged, not thrown. */
    @Override
    void close();
  }

  /**
   * Called once when closing begins, before the core waits for the calls in flight: wake any call
   * waiting inside the driver (for a fenced slot, say) so that it sees {@link
   * StoreContext#checkOpen()} fail instead of waiting out its timeout. Most drivers need nothing.
   */
  default void closing() {}

  /**
   * Releases everything the driver started (pools, connections, threads). Called once, after every
   * call in flight has returned.
   */
  void close();
}
