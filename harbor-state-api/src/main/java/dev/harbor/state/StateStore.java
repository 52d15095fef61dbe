package dev.harbor.state;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A durable, tenant-isolated store of opaque records, one live record per slot ({@code tenant,
 * user, session, run, kind}). Every implementation is safe for unbounded concurrent use of one
 * instance.
 *
 * <p>Every method validates its input before touching storage, in this order: the store is open
 * (else {@link StoreClosedException}); the calling thread is not interrupted (else {@link
 * OperationCancelledException}, the interrupt flag stays set); tenant, user and session are
 * non-empty on identity-scoped calls (else {@link IdentityRequiredException}; {@code purge}, {@code
 * eraseUser} and {@code eraseTenant} check their maintenance claim before this); the rest (else
 * {@link InvalidRecordException}, or {@link InvalidScanException} for scans). A call that throws
 * changes nothing. Any method may also throw {@link StorageException} when the backend fails; it is
 * transient when waiting on the backend exceeded the store's {@code operationTimeout}.
 *
 * <p>Strings of a slot, event ids and prefixes must be non-empty where required, free of U+0000 and
 * lone surrogates, and at most 256 UTF-8 bytes. Prefix matching is literal, case-sensitive and
 * byte-exact.
 */
public interface StateStore extends AutoCloseable {

  /**
   * Saves one record in one atomic step. If its event id is live at the same slot with the same
   * bytes and version, this is a no-op (not even {@code updatedAt} changes). Otherwise the slot is
   * upserted (last writer wins) and the slot's previous event id is forgotten. Contention never
   * makes a save fail.
   *
   * @param record the record; a {@code null} {@code updatedAt} is stamped from the store's clock
   * @throws NullPointerException if {@code record} is {@code null}
   * @throws IdempotencyConflictException if the event id is live at another slot or with other
   *     bytes or version
   * @throws IdentityRequiredException if the record's identity is incomplete
   * @throws InvalidRecordException if the kind or event id is empty or malformed, or the payload is
   *     too large
   */
  void save(StateRecord record);

  /**
   * Saves a batch atomically: every record is applied with {@link #save}'s idempotency rules, or
   * none is. An empty list is a no-op. Every record's idempotency is judged against the store as it
   * was before the batch (so a batch cannot free an event id and reuse it), as for {@link
   * #saveBatchIf}.
   *
   * @param records the records
   * @throws NullPointerException if the list or an element is {@code null}
   * @throws IdempotencyConflictException if any record conflicts; nothing is applied
   * @throws IdentityRequiredException if any record's identity is incomplete
   * @throws InvalidRecordException if any record is malformed, or two records share a slot or an
   *     event id
   */
  void saveAll(List<StateRecord> records);

  /**
   * Multi-slot compare-and-swap: atomically checks every expectation and, if all hold, saves {@code
   * next} with {@link #save}'s idempotency rules. Expectations on other slots than {@code next}'s
   * are predicates only. Of many concurrent callers expecting the same generation exactly one
   * succeeds.
   *
   * @param expectations non-empty, one per slot, including {@code next}'s slot
   * @param next the record to write
   * @throws NullPointerException if an argument or an element is {@code null}
   * @throws ConditionFailedException if any expectation does not hold; nothing changed
   * @throws IdempotencyConflictException if {@code next}'s event id is live elsewhere or with other
   *     content
   * @throws IdentityRequiredException if an expectation's or {@code next}'s identity is incomplete
   * @throws InvalidRecordException if the list is empty, lists a slot twice, misses {@code next}'s
   *     slot, or any value is malformed
   */
  void saveIf(List<SlotExpectation> expectations, StateRecord next);

  /**
   * {@link #saveIf} for several writes: every predicate is checked, then every write's idempotency,
   * before the first mutation; all or nothing.
   *
   * @param expectations non-empty, one per slot, including every write's slot
   * @param writes non-empty; no two share a slot or an event id
   * @throws NullPointerException if an argument or an element is {@code null}
   * @throws ConditionFailedException if any expectation does not hold; nothing changed
   * @throws IdempotencyConflictException if any write conflicts; nothing changed
   * @throws IdentityRequiredException if any identity is incomplete
   * @throws InvalidRecordException if a list is empty, a slot or event id repeats, a write's slot
   *     has no expectation, or any value is malformed
   */
  void saveBatchIf(List<SlotExpectation> expectations, List<StateRecord> writes);

  /**
   * Deletes the slot only if it holds exactly the expected event id. A concurrent replacement is
   * never deleted.
   *
   * @param expectation an exact expectation
   * @return {@code true} if that generation was removed, {@code false} if the slot was absent or
   *     held another id
   * @throws NullPointerException if {@code expectation} is {@code null}
   * @throws IdentityRequiredException if the identity is incomplete
   * @throws InvalidRecordException if the expectation is "absent" or malformed
   */
  boolean deleteIf(SlotExpectation expectation);

  /**
   * Runs {@code action} while holding the slot's serialization, if the slot holds exactly the
   * expected event id. While the action runs no {@code saveIf}, {@code saveBatchIf} or {@code
   * deleteIf} touching the slot completes. The action must not call this store. An exception or
   * error thrown by the action propagates as the same instance and nothing is written.
   *
   * @param expectation an exact expectation
   * @param action what to run under the fence
   * @throws NullPointerException if {@code expectation} or {@code action} is {@code null}
   * @throws ConditionFailedException if the slot does not hold the expected event id; the action
   *     did not run
   * @throws IdentityRequiredException if the identity is incomplete
   * @throws InvalidRecordException if the expectation is "absent" or malformed
   */
  void fenceIf(SlotExpectation expectation, Runnable action);

  /**
   * The record at a slot.
   *
   * @param identity the slot's quadruple
   * @param kind the slot's kind
   * @return a copy of the record, or empty
   * @throws IdentityRequiredException if the identity is incomplete
   * @throws InvalidRecordException if the kind is empty or a value is malformed
   */
  Optional<StateRecord> find(Quadruple identity, String kind);

  /**
   * The record at a slot, which must exist.
   *
   * @param identity the slot's quadruple
   * @param kind the slot's kind
   * @return a copy of the record
   * @throws RecordNotFoundException if the slot is absent
   * @throws IdentityRequiredException if the identity is incomplete
   * @throws InvalidRecordException if the kind is empty or a value is malformed
   */
  StateRecord load(Quadruple identity, String kind);

  /**
   * The live record written under an event id, of any tenant. Not identity-scoped: an event id is a
   * capability. For single-tenant applications and administration; a multi-tenant service uses
   * {@link #findByEventId(String, EventId)}.
   *
   * @param eventId the event id
   * @return a copy of the record, or empty
   * @throws InvalidRecordException if the event id is empty or malformed
   */
  Optional<StateRecord> findByEventId(EventId eventId);

  /**
   * The live record written under an event id, of any tenant, which must exist. For single-tenant
   * applications and administration; a multi-tenant service uses {@link #loadByEventId(String,
   * EventId)}.
   *
   * @param eventId the event id
   * @return a copy of the record
   * @throws RecordNotFoundException if no live record has this event id
   * @throws InvalidRecordException if the event id is empty or malformed
   */
  StateRecord loadByEventId(EventId eventId);

  /**
   * The live record written under an event id, if it is the given tenant's: the lookup by event id
   * for multi-tenant services. A live event id of another tenant is a miss, indistinguishable from
   * an id that is not live at all (one indexed lookup either way). Checks, in order, after the
   * store's closed and interrupted checks: an empty tenant, then a bad string, then {@code null}.
   *
   * @param tenantId the caller's tenant, non-empty
   * @param eventId the event id
   * @return a copy of the tenant's record, or empty
   * @throws IdentityRequiredException if the tenant is empty or {@code null}
   * @throws InvalidRecordException if the tenant or event id is malformed, or the event id empty
   * @throws NullPointerException if {@code eventId} is {@code null}
   */
  Optional<StateRecord> findByEventId(String tenantId, EventId eventId);

  /**
   * The live record written under an event id, which must exist and be the given tenant's. A live
   * event id of another tenant throws the same exception, worded the same way, as an id that is not
   * live at all.
   *
   * @param tenantId the caller's tenant, non-empty
   * @param eventId the event id
   * @return a copy of the tenant's record
   * @throws RecordNotFoundException if no live record of this tenant has this event id
   * @throws IdentityRequiredException if the tenant is empty or {@code null}
   * @throws InvalidRecordException if the tenant or event id is malformed, or the event id empty
   * @throws NullPointerException if {@code eventId} is {@code null}
   */
  StateRecord loadByEventId(String tenantId, EventId eventId);

  /**
   * Deletes a slot; deleting an absent slot succeeds. The deleted event id is forgotten.
   *
   * @param identity the slot's quadruple
   * @param kind the slot's kind
   * @throws IdentityRequiredException if the identity is incomplete
   * @throws InvalidRecordException if the kind is empty or a value is malformed
   */
  void delete(Quadruple identity, String kind);

  /**
   * Erases a session: removes every record of this tenant, user and session, of every run and kind,
   * in one atomic step. The deleted event ids are forgotten.
   *
   * @param identity the session to erase
   * @return the number of records removed, 0 if there were none
   * @throws IdentityRequiredException if the identity is incomplete
   * @throws InvalidRecordException if a value is malformed
   */
  int deleteScope(Identity identity);

  /**
   * Retention: deletes, in one atomic step, at most {@code limit} records of the tenant whose kind
   * starts with {@code kindPrefix} and whose {@code updatedAt} is strictly before {@code
   * olderThan}, oldest first (ties in slot order: user, session, run, kind comparing UTF-8 bytes).
   * A record stamped exactly at {@code olderThan} is kept. The deleted event ids are forgotten.
   * Call it again until it returns 0; with no concurrent writer, 0 means nothing that matches
   * remains. No step holds a lock or a transaction longer than itself, so concurrent saves proceed
   * while a long purge runs.
   *
   * @param scope must be {@link ListScope#MAINTENANCE}
   * @param tenantId the tenant, non-empty
   * @param kindPrefix a non-empty literal prefix
   * @param olderThan the cutoff; records stamped before it are deleted
   * @param limit 1..10,000
   * @return the number of records deleted by this step
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   * @throws IdentityRequiredException if the tenant is empty
   * @throws InvalidRecordException if the tenant or prefix is malformed, the prefix is empty, or
   *     the limit is out of range
   * @throws NullPointerException if {@code olderThan} is {@code null}
   */
  int purge(ListScope scope, String tenantId, String kindPrefix, Instant olderThan, int limit);

  /**
   * Erasure of a user: deletes, in one atomic step, at most {@code limit} records of this tenant
   * and user, of every session, run and kind. The deleted event ids are forgotten. Call it again
   * until it returns 0.
   *
   * @param scope must be {@link ListScope#MAINTENANCE}
   * @param tenantId the tenant, non-empty
   * @param userId the user, non-empty
   * @param limit 1..10,000
   * @return the number of records deleted by this step
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   * @throws IdentityRequiredException if the tenant or user is empty
   * @throws InvalidRecordException if a value is malformed or the limit is out of range
   */
  int eraseUser(ListScope scope, String tenantId, String userId, int limit);

  /**
   * Erasure of a tenant: deletes, in one atomic step, at most {@code limit} records of the tenant.
   * The deleted event ids are forgotten. Call it again until it returns 0.
   *
   * @param scope must be {@link ListScope#MAINTENANCE}
   * @param tenantId the tenant, non-empty
   * @param limit 1..10,000
   * @return the number of records deleted by this step
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   * @throws IdentityRequiredException if the tenant is empty
   * @throws InvalidRecordException if the tenant is malformed or the limit is out of range
   */
  int eraseTenant(ListScope scope, String tenantId, int limit);

  /**
   * Every record, across all identities, whose kind starts with {@code kindPrefix}, in no
   * particular order.
   *
   * @param scope must be {@link ListScope#MAINTENANCE}
   * @param kindPrefix a non-empty literal prefix
   * @return copies of the matching records, each with its own identity
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   * @throws InvalidRecordException if the prefix is empty or malformed
   */
  List<StateRecord> listKind(ListScope scope, String kindPrefix);

  /**
   * At most {@code limit} records across all identities whose kind starts with {@code kindPrefix},
   * ordered by (tenant, user, session, run, kind) comparing UTF-8 bytes. The limit is applied in
   * storage.
   *
   * @param scope must be {@link ListScope#MAINTENANCE}
   * @param kindPrefix a non-empty literal prefix
   * @param limit 1..10001
   * @return copies of the first matching records
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   * @throws InvalidRecordException if the prefix is empty or malformed, or the limit is out of
   *     range
   */
  List<StateRecord> listKind(ListScope scope, String kindPrefix, int limit);

  /**
   * The records at exactly this quadruple (the empty run matches only the empty run) whose kind
   * starts with {@code kindPrefix}.
   *
   * @param identity the quadruple
   * @param kindPrefix a non-empty literal prefix
   * @return copies of the matching records, ordered by kind
   * @throws IdentityRequiredException if the identity is incomplete
   * @throws InvalidRecordException if the prefix is empty or a value is malformed
   */
  List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix);

  /**
   * At most {@code limit} records at exactly this quadruple whose kind starts with {@code
   * kindPrefix}, ordered by kind (UTF-8 bytes).
   *
   * @param identity the quadruple
   * @param kindPrefix a non-empty literal prefix
   * @param limit 1..1000
   * @return copies of the first matching records
   * @throws IdentityRequiredException if the identity is incomplete
   * @throws InvalidRecordException if the prefix is empty or malformed, or the limit is out of
   *     range
   */
  List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit);

  /**
   * One page of a deterministic keyset-paginated scan of a tenant: its records whose kind starts
   * with {@code kindPrefix} and whose (user, session, run, kind) is strictly after the
   * continuation's position, ordered by that tuple comparing UTF-8 bytes. Not a snapshot:
   * concurrent writes may or may not be seen.
   *
   * @param scope must be {@link ListScope#MAINTENANCE}
   * @param tenantId the tenant, non-empty
   * @param kindPrefix a non-empty literal prefix
   * @param limit 1..256
   * @param continuation {@code ""} (or {@code null}) for the first page, else the previous page's
   *     continuation
   * @return the page; its continuation is empty exactly when no further row exists
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   * @throws InvalidScanException if the tenant or prefix is empty or malformed, the limit is out of
   *     range, or the continuation is not valid for exactly this tenant and prefix
   */
  ScanPage scanKindForTenant(
      ListScope scope, String tenantId, String kindPrefix, int limit, String continuation);

  /**
   * One page of a deterministic keyset-paginated scan of the whole store: every record of every
   * tenant and kind, ordered by (tenant, user, session, run, kind) comparing UTF-8 bytes. This is
   * the path for exports, copies and audits: memory per page is bounded by {@code limit}, and
   * nothing needs to be known about the store's tenants or kinds in advance. Not a snapshot:
   * concurrent writes may or may not be seen, and between pages a record moved to another slot may
   * be seen twice or not at all; for one consistent state across pages (a backup) scan a {@link
   * dev.harbor.state.spi.StoreCore#snapshot snapshot} instead.
   *
   * @param scope must be {@link ListScope#MAINTENANCE}
   * @param limit 1..1000
   * @param continuation {@code ""} (or {@code null}) for the first page, else the previous page's
   *     continuation (at most {@value ScanContinuations#MAX_ALL_LENGTH} characters)
   * @return the page; its continuation is empty exactly when no further row exists
   * @throws MaintenanceScopeRequiredException without the maintenance claim
   * @throws InvalidScanException if the limit is out of range or the continuation is not one of
   *     {@code scanAll}
   */
  ScanPage scanAll(ListScope scope, int limit, String continuation);

  /**
   * The name of the driver that made this store.
   *
   * @return {@code "inmem"}, {@code "sqlite"}, {@code "postgres"} or a third-party driver's name
   */
  String driverName();

  /**
   * Closes the store and releases every resource it created (connections, threads, executors).
   * Idempotent. Once close starts, a call already in flight completes normally or throws {@link
   * StoreClosedException}, and every later call throws it; close returns once the calls in flight
   * have (docs/CONTRACT.md 4.12).
   */
  @Override
  void close();
}
