package dev.harbor.state.spi;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.InvalidScanException;
import dev.harbor.state.ListScope;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The input rules of the contract (docs/CONTRACT.md 4.1), in one place so drivers cannot drift
 * apart: complete identities first, then strings, limits, batches and expectations. Only {@link
 * StoreCore} calls them, after its own closed and interrupted checks; a driver never sees input
 * that failed one of them.
 */
final class Checks {

  private final int maxPayloadBytes;
  private final long maxBatchBytes;

  /**
   * Checks with no batch limit beyond the payload limit of each record.
   *
   * @param maxPayloadBytes the store's payload limit
   */
  Checks(int maxPayloadBytes) {
    this(maxPayloadBytes, Long.MAX_VALUE);
  }

  /**
   * Checks for one store.
   *
   * @param maxPayloadBytes the store's payload limit
   * @param maxBatchBytes the store's batch limit (payloads plus keys)
   */
  Checks(int maxPayloadBytes, long maxBatchBytes) {
    this.maxPayloadBytes = maxPayloadBytes;
    this.maxBatchBytes = maxBatchBytes;
  }

  /**
   * What a record counts against a batch's limit: its payload and the UTF-8 bytes of its keys.
   *
   * @param r a record
   * @return bytes
   */
  static long batchBytes(StateRecord r) {
    Quadruple q = r.identity();
    return (long) r.size()
        + utf8Length(q.tenantId())
        + utf8Length(q.userId())
        + utf8Length(q.sessionId())
        + utf8Length(q.runId())
        + utf8Length(r.kind())
        + utf8Length(r.id().value());
  }

  private static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      // a surrogate pair counts 2 + 2: four bytes
      bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }
    return bytes;
  }

  /** A batch over the store's limit fails whole, before anything is sent. */
  private void requireBatchBytes(List<StateRecord> writes, String method) {
    long total = 0;
    for (StateRecord w : writes) {
      total += batchBytes(w);
    }
    if (total > maxBatchBytes) {
      throw new InvalidRecordException(
          method
              + " batch of "
              + writes.size()
              + " records holds "
              + total
              + " bytes of payloads and keys, above maxBatchBytes="
              + maxBatchBytes
              + "; split it into smaller batches");
    }
  }

  /**
   * The record to store: {@code updatedAt} truncated to microseconds, or the clock's instant when
   * {@code null}.
   *
   * @param record a validated record
   * @param clock the store's clock
   * @return the record with its final timestamp
   */
  static StateRecord stamp(StateRecord record, Clock clock) {
    Instant at = record.updatedAt() == null ? clock.instant() : record.updatedAt();
    Instant micros = requireUpdatedAtInRange(at.truncatedTo(ChronoUnit.MICROS), record);
    return micros.equals(record.updatedAt()) ? record : record.withUpdatedAt(micros);
  }

  /**
   * An {@code updatedAt} outside the range every driver stores exactly is malformed input, checked
   * identically on every driver (the clock's own instant too, should a test clock go that far).
   */
  private static Instant requireUpdatedAtInRange(Instant micros, StateRecord record) {
    if (micros.isBefore(StateRecord.MIN_UPDATED_AT) || micros.isAfter(StateRecord.MAX_UPDATED_AT)) {
      throw new InvalidRecordException(
          "updatedAt "
              + micros
              + " of "
              + StoreErrors.describe(record.identity(), record.kind())
              + " is outside the range every driver stores exactly, "
              + StateRecord.MIN_UPDATED_AT
              + " to "
              + StateRecord.MAX_UPDATED_AT);
    }
    return micros;
  }

  // ---- per-operation checks, named after the StateStore methods ----

  /**
   * Checks {@code save}.
   *
   * @param record the record
   */
  void save(StateRecord record) {
    Objects.requireNonNull(record, "record");
    requireIdentity(record.identity());
    requireRecord(record);
  }

  /**
   * Checks {@code saveAll}: every record as for {@code save}, no slot or event id twice.
   *
   * @param records the batch
   */
  void saveAll(List<StateRecord> records) {
    requireElements(records, "records");
    records.forEach(r -> requireIdentity(r.identity()));
    records.forEach(this::requireRecord);
    requireDistinctWrites(records);
    requireBatchBytes(records, "saveAll");
  }

  /**
   * Checks {@code saveIf}.
   *
   * @param expectations the predicates
   * @param next the write
   */
  void saveIf(List<SlotExpectation> expectations, StateRecord next) {
    saveBatchIf(expectations, List.of(Objects.requireNonNull(next, "next")));
  }

  /**
   * Checks {@code saveBatchIf}: non-empty lists, complete identities, no slot listed twice, every
   * write's slot among the expectations, no write slot or event id twice.
   *
   * @param expectations the predicates
   * @param writes the writes
   */
  void saveBatchIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    requireElements(expectations, "expectations");
    requireElements(writes, "writes");
    expectations.forEach(e -> requireIdentity(e.identity()));
    writes.forEach(w -> requireIdentity(w.identity()));
    if (expectations.isEmpty()) {
      throw new InvalidRecordException("expectations must not be empty");
    }
    if (writes.isEmpty()) {
      throw new InvalidRecordException("writes must not be empty");
    }
    Set<Slot> slots = new HashSet<>();
    for (SlotExpectation e : expectations) {
      requireExpectation(e);
      requireFirst(slots, e.identity(), e.kind(), "is expected twice");
    }
    writes.forEach(this::requireRecord);
    requireDistinctWrites(writes);
    requireBatchBytes(writes, "saveBatchIf");
    for (StateRecord w : writes) {
      if (!slots.contains(new Slot(w.identity(), w.kind()))) {
        throw new InvalidRecordException(
            "write to "
                + StoreErrors.describe(w.identity(), w.kind())
                + " has no expectation for its slot; conditional writes must be conditioned on their own slot");
      }
    }
  }

  /**
   * Checks {@code deleteIf}: a complete, exact expectation.
   *
   * @param expectation the predicate
   */
  void deleteIf(SlotExpectation expectation) {
    requireExact(expectation, "deleteIf");
  }

  /**
   * Checks {@code fenceIf}: a complete, exact expectation and an action.
   *
   * @param expectation the predicate
   * @param action the fenced action
   */
  void fenceIf(SlotExpectation expectation, Runnable action) {
    Objects.requireNonNull(action, "action");
    requireExact(expectation, "fenceIf");
  }

  private static void requireExact(SlotExpectation expectation, String method) {
    Objects.requireNonNull(expectation, "expectation");
    requireIdentity(expectation.identity());
    requireExpectation(expectation);
    if (expectation.expectsAbsent()) {
      throw new InvalidRecordException(method + " needs an exact expectation, not 'absent'");
    }
  }

  /**
   * Checks a call on one slot: {@code find()}, {@code load()}, {@code delete()}.
   *
   * @param identity the slot's quadruple
   * @param kind the slot's kind
   */
  void slot(Quadruple identity, String kind) {
    requireIdentity(identity);
    requireKey("kind", kind);
    requireQuadrupleStrings(identity);
  }

  /**
   * Checks a lookup by event id: {@code findByEventId}, {@code loadByEventId}.
   *
   * @param eventId the event id
   */
  void eventId(EventId eventId) {
    requireKey("event id", eventId == null ? "" : eventId.value());
  }

  /**
   * Checks a tenant-scoped lookup by event id (SPEC 9.2), in its order: an empty tenant, then a bad
   * tenant or event id, then a {@code null} event id.
   *
   * @param method {@code findByEventId} or {@code loadByEventId}, for the message
   * @param tenantId the tenant
   * @param eventId the event id
   */
  void eventId(String method, String tenantId, EventId eventId) {
    requireNamed(method, tenantId, false, null);
    requireKey("tenantId", tenantId);
    if (eventId != null) {
      requireKey("event id", eventId.value());
    }
    Objects.requireNonNull(eventId, "eventId");
  }

  /**
   * Checks {@code deleteScope}.
   *
   * @param identity the session to erase
   */
  void deleteScope(Identity identity) {
    Identity id = identity == null ? new Identity("", "", "") : identity;
    requireIdentity(id.sessionScoped());
    requireQuadrupleStrings(id.sessionScoped());
  }

  /**
   * Checks {@code purge} (CONTRACT.md 8: maintenance scope, tenant, strings, limit, cutoff) and
   * turns its exclusive cutoff into the inclusive bound the drivers compare with: records are kept
   * to the microsecond, so "strictly before {@code olderThan}" is "at or before the last whole
   * microsecond before it".
   *
   * @param scope the claim
   * @param tenantId the tenant
   * @param kindPrefix the prefix
   * @param olderThan the exclusive cutoff
   * @param limit 1..{@value Limits#MAX_ERASE_LIMIT}
   * @return the latest {@code updatedAt} to delete, within the storable range, or empty if no
   *     storable instant is before the cutoff
   */
  Optional<Instant> purge(
      ListScope scope, String tenantId, String kindPrefix, Instant olderThan, int limit) {
    requireMaintenance(scope, "purge");
    requireNamed("purge", tenantId, false, null);
    requireKey("tenantId", tenantId);
    requireKey("kind prefix", kindPrefix);
    requireLimit(limit, Limits.MAX_ERASE_LIMIT);
    Objects.requireNonNull(olderThan, "olderThan");
    if (!olderThan.isAfter(StateRecord.MIN_UPDATED_AT)) {
      return Optional.empty();
    }
    Instant latest = olderThan.minusNanos(1).truncatedTo(ChronoUnit.MICROS);
    return Optional.of(
        latest.isAfter(StateRecord.MAX_UPDATED_AT) ? StateRecord.MAX_UPDATED_AT : latest);
  }

  /**
   * Checks {@code eraseUser}.
   *
   * @param scope the claim
   * @param tenantId the tenant
   * @param userId the user
   * @param limit 1..{@value Limits#MAX_ERASE_LIMIT}
   */
  void eraseUser(ListScope scope, String tenantId, String userId, int limit) {
    requireMaintenance(scope, "eraseUser");
    requireNamed("eraseUser", tenantId, true, userId);
    requireKey("tenantId", tenantId);
    requireKey("userId", userId);
    requireLimit(limit, Limits.MAX_ERASE_LIMIT);
  }

  /**
   * Checks {@code eraseTenant}.
   *
   * @param scope the claim
   * @param tenantId the tenant
   * @param limit 1..{@value Limits#MAX_ERASE_LIMIT}
   */
  void eraseTenant(ListScope scope, String tenantId, int limit) {
    requireMaintenance(scope, "eraseTenant");
    requireNamed("eraseTenant", tenantId, false, null);
    requireKey("tenantId", tenantId);
    requireLimit(limit, Limits.MAX_ERASE_LIMIT);
  }

  /** The tenant, and the user where one is named, of a wide erasure are non-empty. */
  private static void requireNamed(
      String method, @Nullable String tenantId, boolean namesUser, @Nullable String userId) {
    boolean noTenant = tenantId == null || tenantId.isEmpty();
    boolean noUser = namesUser && (userId == null || userId.isEmpty());
    if (noTenant || noUser) {
      String missing = noTenant && noUser ? "tenant and user" : noTenant ? "tenant" : "user";
      throw new IdentityRequiredException(method + ": " + missing + " must not be empty");
    }
  }

  /**
   * Checks the unbounded {@code listKind}.
   *
   * @param scope the claim
   * @param kindPrefix the prefix
   */
  void listKind(ListScope scope, String kindPrefix) {
    requireMaintenance(scope, "listKind");
    requireKey("kind prefix", kindPrefix);
  }

  /**
   * Checks the bounded {@code listKind}.
   *
   * @param scope the claim
   * @param kindPrefix the prefix
   * @param limit 1..{@value Limits#MAX_LIST_LIMIT}
   */
  void listKind(ListScope scope, String kindPrefix, int limit) {
    listKind(scope, kindPrefix);
    requireLimit(limit, Limits.MAX_LIST_LIMIT);
  }

  /**
   * Checks the unbounded {@code listKindForIdentity}.
   *
   * @param identity the quadruple
   * @param kindPrefix the prefix
   */
  void listKindForIdentity(Quadruple identity, String kindPrefix) {
    requireIdentity(identity);
    requireQuadrupleStrings(identity);
    requireKey("kind prefix", kindPrefix);
  }

  /**
   * Checks the bounded {@code listKindForIdentity}.
   *
   * @param identity the quadruple
   * @param kindPrefix the prefix
   * @param limit 1..{@value Limits#MAX_IDENTITY_LIST_LIMIT}
   */
  void listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    listKindForIdentity(identity, kindPrefix);
    requireLimit(limit, Limits.MAX_IDENTITY_LIST_LIMIT);
  }

  /**
   * Checks {@code scanKindForTenant} and decodes its continuation.
   *
   * @param scope the claim
   * @param tenantId the tenant
   * @param kindPrefix the prefix
   * @param limit 1..{@value Limits#MAX_SCAN_LIMIT}
   * @param continuation the continuation, {@code ""} or {@code null} for the first page
   * @return the position to resume after, or empty for the first page
   */
  Optional<ScanContinuations.Position> scan(
      ListScope scope, String tenantId, String kindPrefix, int limit, String continuation) {
    requireMaintenance(scope, "scanKindForTenant");
    String badTenant = keyProblem("tenantId", tenantId);
    if (badTenant != null) {
      throw new InvalidScanException(badTenant);
    }
    String badPrefix = keyProblem("kind prefix", kindPrefix);
    if (badPrefix != null) {
      throw new InvalidScanException(badPrefix);
    }
    if (limit < 1 || limit > Limits.MAX_SCAN_LIMIT) {
      throw new InvalidScanException("limit " + limit + " is outside 1.." + Limits.MAX_SCAN_LIMIT);
    }
    return ScanContinuations.decode(scope, tenantId, kindPrefix, continuation);
  }

  /**
   * Checks {@code scanAll} and decodes its continuation.
   *
   * @param scope the claim
   * @param limit 1..{@value Limits#MAX_SCAN_ALL_LIMIT}
   * @param continuation the continuation, {@code ""} or {@code null} for the first page
   * @return a record holding the slot to resume after, or empty for the first page
   */
  Optional<StateRecord> scanAll(ListScope scope, int limit, String continuation) {
    requireMaintenance(scope, "scanAll");
    if (limit < 1 || limit > Limits.MAX_SCAN_ALL_LIMIT) {
      throw new InvalidScanException(
          "limit " + limit + " is outside 1.." + Limits.MAX_SCAN_ALL_LIMIT);
    }
    return ScanContinuations.decodeAll(scope, continuation);
  }

  // ---- the rules ----

  private static void requireIdentity(Quadruple q) {
    if (q == null || q.tenantId().isEmpty() || q.userId().isEmpty() || q.sessionId().isEmpty()) {
      String missing = q == null ? "tenant, user and session" : missingParts(q);
      throw new IdentityRequiredException("identity incomplete: " + missing + " must not be empty");
    }
  }

  private static String missingParts(Quadruple q) {
    StringBuilder sb = new StringBuilder();
    if (q.tenantId().isEmpty()) sb.append("tenant");
    if (q.userId().isEmpty()) sb.append(sb.length() > 0 ? ", user" : "user");
    if (q.sessionId().isEmpty()) sb.append(sb.length() > 0 ? ", session" : "session");
    return sb.toString();
  }

  private void requireRecord(StateRecord r) {
    requireQuadrupleStrings(r.identity());
    requireKey("kind", r.kind());
    requireKey("event id", r.id().value());
    if (r.updatedAt() != null) {
      requireUpdatedAtInRange(r.updatedAt().truncatedTo(ChronoUnit.MICROS), r);
    }
    if (r.size() > maxPayloadBytes) {
      throw new InvalidRecordException(
          "payload of "
              + r.size()
              + " bytes for "
              + StoreErrors.describe(r.identity(), r.kind())
              + " exceeds maxPayloadBytes="
              + maxPayloadBytes);
    }
  }

  private static void requireExpectation(SlotExpectation e) {
    requireQuadrupleStrings(e.identity());
    requireKey("kind", e.kind());
    EventId expected = e.expectedEventId();
    if (expected != null) {
      requireKey("expected event id", expected.value());
    }
  }

  private static void requireQuadrupleStrings(Quadruple q) {
    requireKey("tenantId", q.tenantId());
    requireKey("userId", q.userId());
    requireKey("sessionId", q.sessionId());
    String badRun = stringProblem("runId", q.runId());
    if (badRun != null) {
      throw new InvalidRecordException(badRun);
    }
  }

  private static void requireDistinctWrites(List<StateRecord> writes) {
    Set<Slot> slots = new HashSet<>();
    Set<EventId> ids = new HashSet<>();
    for (StateRecord w : writes) {
      requireFirst(slots, w.identity(), w.kind(), "is written twice in one batch");
      if (!ids.add(w.id())) {
        throw new InvalidRecordException(
            "event id " + w.id().value() + " is used twice in one batch");
      }
    }
  }

  /** Adds the slot to {@code seen}, refusing it if it is there already. */
  private static void requireFirst(Set<Slot> seen, Quadruple identity, String kind, String twice) {
    if (!seen.add(new Slot(identity, kind))) {
      throw new InvalidRecordException(
          "slot " + StoreErrors.describe(identity, kind) + " " + twice);
    }
  }

  private static void requireKey(String what, String value) {
    String problem = keyProblem(what, value);
    if (problem != null) {
      throw new InvalidRecordException(problem);
    }
  }

  private static void requireLimit(int limit, int max) {
    if (limit < 1 || limit > max) {
      throw new InvalidRecordException("limit " + limit + " is outside 1.." + max);
    }
  }

  private static void requireMaintenance(ListScope scope, String method) {
    if (scope == null || !scope.maintenanceScoped()) {
      throw new MaintenanceScopeRequiredException(
          method + " across identities requires ListScope.MAINTENANCE");
    }
  }

  private static <T> void requireElements(List<T> list, String name) {
    Objects.requireNonNull(list, name);
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) == null) {
        throw new NullPointerException(name + "[" + i + "] is null");
      }
    }
  }

  /** A non-empty, well-formed key string, or the problem with it. */
  private static @Nullable String keyProblem(String what, @Nullable String value) {
    if (value == null || value.isEmpty()) {
      return what + " must not be empty";
    }
    return stringProblem(what, value);
  }

  /**
   * U+0000, a lone surrogate or more than {@link Limits#MAX_KEY_BYTES} UTF-8 bytes, or {@code null}
   * if fine.
   */
  static @Nullable String stringProblem(String what, String value) {
    int bytes = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0) {
        return what + " contains U+0000";
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
          return what + " contains a lone surrogate at index " + i;
        }
        bytes += 4;
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return what + " contains a lone surrogate at index " + i;
      } else {
        bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
      }
    }
    if (bytes > Limits.MAX_KEY_BYTES) {
      return what + " is " + bytes + " UTF-8 bytes, above the limit of " + Limits.MAX_KEY_BYTES;
    }
    return null;
  }

  private record Slot(Quadruple identity, String kind) {}
}
