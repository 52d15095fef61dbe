package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * The methods of {@code StateStore} as tables, one per shape of argument a rule varies: a slot, a
 * record to write, an expectation, an event id, a kind prefix. A rule that holds for every method
 * of a shape is one row per method of its table, so a method is added here once and every rule of
 * its shape covers it.
 */
final class StoreMethods {

  private static final ListScope MAINTENANCE = ListScope.MAINTENANCE;

  private StoreMethods() {}

  /** A row of a method table: the method's name, for the rules its cases state. */
  interface Method {
    String name();
  }

  /** A method of a table whose rows need nothing but the method's name and its call. */
  record Named<C>(String name, C call) implements Method {}

  /** A call of a method that takes a slot: an identity and a kind (or a kind prefix). */
  @FunctionalInterface
  interface SlotCall {
    void call(StateStore store, Quadruple identity, String kind);
  }

  /**
   * A method that takes a slot.
   *
   * @param takesPrefix the kind argument is a prefix (a listing), not a kind
   */
  record SlotMethod(String name, boolean takesPrefix, SlotCall call) implements Method {}

  /** find, load, delete and both listKindForIdentity. */
  static final List<SlotMethod> SLOT_METHODS =
      List.of(
          new SlotMethod("find", false, StateStore::find),
          new SlotMethod("load", false, StateStore::load),
          new SlotMethod("delete", false, StateStore::delete),
          new SlotMethod("listKindForIdentity", true, StateStore::listKindForIdentity),
          new SlotMethod(
              "listKindForIdentity(limit)", true, (s, q, k) -> s.listKindForIdentity(q, k, 10)));

  /**
   * A call of a write method: writes {@code record} under {@code expected} (where the method takes
   * expectations) beside the valid new record {@code companion} (where it takes several records).
   */
  @FunctionalInterface
  interface WriteCall {
    void write(
        StateStore store, StateRecord record, SlotExpectation expected, StateRecord companion);
  }

  /**
   * A method that writes records.
   *
   * @param writesCompanion the call writes the companion record too
   */
  record WriteMethod(String name, boolean writesCompanion, WriteCall call) implements Method {}

  /** save, saveAll, saveIf and saveBatchIf. */
  static final List<WriteMethod> WRITE_METHODS =
      List.of(
          new WriteMethod("save", false, (s, r, e, c) -> s.save(r)),
          new WriteMethod("saveAll", true, (s, r, e, c) -> s.saveAll(List.of(c, r))),
          new WriteMethod("saveIf", false, (s, r, e, c) -> s.saveIf(List.of(e), r)),
          new WriteMethod(
              "saveBatchIf",
              true,
              (s, r, e, c) -> s.saveBatchIf(List.of(absent(c), e), List.of(c, r))));

  /**
   * A call of a method that takes an expectation: {@code expected} beside the valid expectation
   * that {@code companion} is absent and its write (saveIf, saveBatchIf), or alone with {@code
   * action} (fenceIf).
   */
  @FunctionalInterface
  interface ExpectationCall {
    void call(StateStore store, SlotExpectation expected, StateRecord companion, Runnable action);
  }

  /**
   * A method that takes expectations.
   *
   * @param acceptsAbsent an absent expectation is valid here (it is not for deleteIf and fenceIf)
   */
  record ExpectationMethod(String name, boolean acceptsAbsent, ExpectationCall call)
      implements Method {

    /** A valid kind of expectation for this method at slot ({@code q}, {@code kind}). */
    SlotExpectation at(Quadruple q, String kind, EventId current) {
      return acceptsAbsent
          ? SlotExpectation.absent(q, kind)
          : SlotExpectation.exact(q, kind, current);
    }
  }

  /** saveIf, saveBatchIf, deleteIf and fenceIf. */
  static final List<ExpectationMethod> EXPECTATION_METHODS =
      List.of(
          new ExpectationMethod("saveIf", true, (s, e, c, a) -> s.saveIf(List.of(absent(c), e), c)),
          new ExpectationMethod(
              "saveBatchIf",
              true,
              (s, e, c, a) -> s.saveBatchIf(List.of(absent(c), e), List.of(c))),
          new ExpectationMethod("deleteIf", false, (s, e, c, a) -> s.deleteIf(e)),
          new ExpectationMethod("fenceIf", false, (s, e, c, a) -> s.fenceIf(e, a)));

  /** A call of a method that takes an event id. */
  @FunctionalInterface
  interface EventIdCall {
    void call(StateStore store, EventId id);
  }

  /** findByEventId and loadByEventId, unscoped and scoped to the kit's first tenant. */
  static final List<Named<EventIdCall>> EVENT_ID_METHODS =
      List.of(
          new Named<>("findByEventId", StateStore::findByEventId),
          new Named<>("loadByEventId", StateStore::loadByEventId),
          new Named<>(
              "findByEventId(tenant)", (s, id) -> s.findByEventId(Kit.ALICE.tenantId(), id)),
          new Named<>(
              "loadByEventId(tenant)", (s, id) -> s.loadByEventId(Kit.ALICE.tenantId(), id)));

  /** A call of a tenant-scoped lookup by event id. */
  @FunctionalInterface
  interface TenantEventIdCall {
    void call(StateStore store, String tenantId, EventId id);
  }

  /** The tenant-scoped findByEventId and loadByEventId. */
  static final List<Named<TenantEventIdCall>> TENANT_EVENT_ID_METHODS =
      List.of(
          new Named<>("findByEventId(tenant)", StateStore::findByEventId),
          new Named<>("loadByEventId(tenant)", StateStore::loadByEventId));

  /** A call of a method that lists a kind prefix across identities. */
  @FunctionalInterface
  interface PrefixCall {
    void call(StateStore store, String prefix);
  }

  /**
   * Both listKind, and purge (of the kit's first tenant, everything older than the end of time).
   */
  static final List<Named<PrefixCall>> PREFIX_METHODS =
      List.of(
          new Named<>("listKind", (s, p) -> s.listKind(MAINTENANCE, p)),
          new Named<>("listKind(limit)", (s, p) -> s.listKind(MAINTENANCE, p, 10)),
          new Named<>(
              "purge", (s, p) -> s.purge(MAINTENANCE, Kit.ALICE.tenantId(), p, Instant.MAX, 10)));

  /**
   * A call of a wide erasure, given a tenant, a user (used by eraseUser only) and a kind prefix
   * (used by purge only).
   */
  @FunctionalInterface
  interface WideCall {
    int call(
        StateStore store, ListScope scope, String tenant, String user, String prefix, int limit);
  }

  /**
   * A wide erasure. Purge's cutoff is the end of time, so a purge that wrongly goes ahead deletes
   * everything its other arguments match.
   *
   * @param takesUser the call names a user (eraseUser)
   * @param takesPrefix the call names a kind prefix (purge)
   */
  record WideMethod(String name, boolean takesUser, boolean takesPrefix, WideCall call)
      implements Method {}

  /** purge, eraseUser and eraseTenant. */
  static final List<WideMethod> WIDE_METHODS =
      List.of(
          new WideMethod(
              "purge", false, true, (s, sc, t, u, p, l) -> s.purge(sc, t, p, Instant.MAX, l)),
          new WideMethod("eraseUser", true, false, (s, sc, t, u, p, l) -> s.eraseUser(sc, t, u, l)),
          new WideMethod(
              "eraseTenant", false, false, (s, sc, t, u, p, l) -> s.eraseTenant(sc, t, l)));

  /** A call of a method that lists by kind prefix, given the identity whose records it seeks. */
  @FunctionalInterface
  interface ListingCall {
    List<StateRecord> list(StateStore store, Quadruple identity, String prefix);
  }

  /**
   * Every method that lists by kind prefix, with a limit that does not cut: both listKind, both
   * listKindForIdentity and scanKindForTenant (of the identity's tenant, its first page).
   */
  static final List<Named<ListingCall>> LISTING_METHODS =
      List.of(
          new Named<>("listKind", (s, q, p) -> s.listKind(MAINTENANCE, p)),
          new Named<>("listKind(limit)", (s, q, p) -> s.listKind(MAINTENANCE, p, 100)),
          new Named<>("listKindForIdentity", StateStore::listKindForIdentity),
          new Named<>("listKindForIdentity(limit)", (s, q, p) -> s.listKindForIdentity(q, p, 100)),
          new Named<>(
              "scanKindForTenant",
              (s, q, p) -> s.scanKindForTenant(MAINTENANCE, q.tenantId(), p, 256, "").records()));

  /**
   * Every method of {@code StateStore} but {@code close} and {@code driverName}, by name, with
   * valid arguments against the live record {@code live}; the fenced action is {@code action}.
   */
  static Map<String, ThrowingCallable> everyCall(
      StateStore store, StateRecord live, Runnable action) {
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
    calls.put("fenceIf", () -> store.fenceIf(exact(live), action));
    calls.put("find", () -> store.find(q, live.kind()));
    calls.put("load", () -> store.load(q, live.kind()));
    calls.put("findByEventId", () -> store.findByEventId(live.id()));
    calls.put("loadByEventId", () -> store.loadByEventId(live.id()));
    calls.put("findByEventId(tenant)", () -> store.findByEventId(q.tenantId(), live.id()));
    calls.put("loadByEventId(tenant)", () -> store.loadByEventId(q.tenantId(), live.id()));
    calls.put("delete", () -> store.delete(q, live.kind()));
    calls.put("deleteScope", () -> store.deleteScope(q.identity()));
    calls.put("listKind", () -> store.listKind(MAINTENANCE, "k"));
    calls.put("listKind(limit)", () -> store.listKind(MAINTENANCE, "k", 10));
    calls.put("listKindForIdentity", () -> store.listKindForIdentity(q, "k"));
    calls.put("listKindForIdentity(limit)", () -> store.listKindForIdentity(q, "k", 10));
    calls.put(
        "scanKindForTenant", () -> store.scanKindForTenant(MAINTENANCE, q.tenantId(), "k", 10, ""));
    calls.put("scanAll", () -> store.scanAll(MAINTENANCE, 10, ""));
    calls.put("purge", () -> store.purge(MAINTENANCE, q.tenantId(), "k", Instant.MAX, 10));
    calls.put("eraseUser", () -> store.eraseUser(MAINTENANCE, q.tenantId(), q.userId(), 10));
    calls.put("eraseTenant", () -> store.eraseTenant(MAINTENANCE, q.tenantId(), 10));
    return calls;
  }
}
