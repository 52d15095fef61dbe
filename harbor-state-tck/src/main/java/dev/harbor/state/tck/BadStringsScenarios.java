package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.companion;
import static dev.harbor.state.tck.Kit.describe;
import static dev.harbor.state.tck.Kit.record;
import static dev.harbor.state.tck.Kit.utf8;

import dev.harbor.state.EventId;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.InvalidScanException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.tck.Kit.BadSlot;
import dev.harbor.state.tck.StoreMethods.ExpectationMethod;
import dev.harbor.state.tck.StoreMethods.SlotMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The string rules of CONTRACT.md 4.1, for every method, with nothing changed by a rejected call
 * (CONTRACT.md 5, lookups): U+0000, lone high and low surrogates, reversed pairs, more than 256
 * UTF-8 bytes (ASCII, 2- and 4-byte characters) in tenant, user, session, run, kind, event id,
 * expected event id or prefix, and an empty kind, event id or prefix are an {@code
 * InvalidRecordException} ({@code InvalidScanException} for the scan's tenant and prefix), and so
 * is a bad tenant of the tenant-scoped lookups by event id; fenceIf does not run its action. One
 * dynamic test per method, position and bad string, from the tables of {@link StoreMethods}.
 */
abstract class BadStringsScenarios extends Scenarios {

  private final Quadruple q = ALICE.run("r");

  BadStringsScenarios(StateStoreTck kit) {
    super(kit);
  }

  /** The live record every table starts from, so that a rejected call has something to change. */
  private StateRecord seed() {
    return save(record(q, "k.seed", "seed"));
  }

  /** Records with one bad position: every bad slot, then every bad event id at a good slot. */
  private Map<String, StateRecord> badRecords() {
    Map<String, StateRecord> records = new LinkedHashMap<>();
    for (BadSlot b : Kit.badSlots(q, "k.new")) {
      records.put(b.what("", "kind"), record(b.identity(), b.kind(), "v"));
    }
    Kit.badKeys()
        .forEach(
            (defect, id) ->
                records.put(
                    describe("event id", defect),
                    StateRecord.of(EventId.of(id), q, "k.new", utf8("v"))));
    return records;
  }

  /** Every bad expectation position for method {@code m}, at the slot of {@code seed}. */
  private Map<String, SlotExpectation> badExpectations(ExpectationMethod m, StateRecord seed) {
    Map<String, SlotExpectation> bad = new LinkedHashMap<>();
    for (BadSlot b : Kit.badSlots(q, seed.kind())) {
      bad.put(b.what("expected", "kind"), m.at(b.identity(), b.kind(), seed.id()));
    }
    Kit.badStrings()
        .forEach(
            (defect, id) ->
                bad.put(
                    describe("expected event id", defect),
                    SlotExpectation.exact(q, seed.kind(), EventId.of(id))));
    return bad;
  }

  /** Every bad slot for method {@code m}: a bad kind, or a bad prefix for a listing. */
  private Map<String, BadSlot> badSlots(SlotMethod m, StateRecord seed) {
    Map<String, BadSlot> bad = new LinkedHashMap<>();
    for (BadSlot b : Kit.badSlots(q, m.takesPrefix() ? "k" : seed.kind())) {
      bad.put(b.what("", m.takesPrefix() ? "prefix" : "kind"), b);
    }
    return bad;
  }

  /** Every bad key, as what it is ({@code "a prefix with a NUL character"}, say). */
  private static <T> Map<String, T> badKeys(String what, Function<String, T> as) {
    Map<String, T> bad = new LinkedHashMap<>();
    Kit.badKeys().forEach((defect, key) -> bad.put(describe(what, defect), as.apply(key)));
    return bad;
  }

  @TestFactory
  Stream<DynamicTest> writes_rejectBadStringsInTheRecord() {
    seed();
    return eachRejected(
        InvalidRecordException.class,
        eachMethodRejects(
            StoreMethods.WRITE_METHODS,
            m -> badRecords(),
            (m, r) -> () -> m.call().write(store(), r, absent(r), companion())));
  }

  @TestFactory
  Stream<DynamicTest> conditionalMethods_rejectBadStringsInAnExpectation() {
    StateRecord seed = seed();
    return eachRejected(
        InvalidRecordException.class,
        eachMethodRejects(
            StoreMethods.EXPECTATION_METHODS,
            m -> badExpectations(m, seed),
            (m, e) -> () -> m.call().call(store(), e, companion(), fencedAction())));
  }

  @TestFactory
  Stream<DynamicTest> slotMethods_rejectBadStringsInTheSlot() {
    StateRecord seed = seed();
    return eachRejected(
        InvalidRecordException.class,
        eachMethodRejects(
            StoreMethods.SLOT_METHODS,
            m -> badSlots(m, seed),
            (m, b) -> () -> m.call().call(store(), b.identity(), b.kind())));
  }

  @TestFactory
  Stream<DynamicTest> eventIdLookups_rejectBadEventIds() {
    seed();
    Map<String, EventId> bad = badKeys("event id", EventId::of);
    bad.put("a null event id", EventId.of(null));
    return eachRejected(
        InvalidRecordException.class,
        eachMethodRejects(
            StoreMethods.EVENT_ID_METHODS, m -> bad, (m, id) -> () -> m.call().call(store(), id)));
  }

  @TestFactory
  Stream<DynamicTest> tenantScopedEventIdLookups_rejectBadTenants() {
    StateRecord seed = seed();
    return eachRejected(
        InvalidRecordException.class,
        eachMethodRejects(
            StoreMethods.TENANT_EVENT_ID_METHODS,
            m -> badStringsAs("tenant"),
            (m, tenant) -> () -> m.call().call(store(), tenant, seed.id())));
  }

  /** Every bad string (not the empty one), as what it is ({@code "a tenant with ..."}). */
  private static Map<String, String> badStringsAs(String what) {
    Map<String, String> bad = new LinkedHashMap<>();
    Kit.badStrings().forEach((defect, s) -> bad.put(describe(what, defect), s));
    return bad;
  }

  @TestFactory
  Stream<DynamicTest> deleteScope_rejectsBadStringsInTheIdentity() {
    seed();
    return eachRejected(
        InvalidRecordException.class,
        Kit.badIdentities(ALICE).entrySet().stream()
            .map(e -> rejects("deleteScope", e.getKey(), () -> store().deleteScope(e.getValue()))));
  }

  @TestFactory
  Stream<DynamicTest> listKind_rejectsBadPrefixes() {
    seed();
    Map<String, String> bad = badKeys("prefix", prefix -> prefix);
    return eachRejected(
        InvalidRecordException.class,
        eachMethodRejects(
            StoreMethods.PREFIX_METHODS,
            m -> bad,
            (m, prefix) -> () -> m.call().call(store(), prefix)));
  }

  @TestFactory
  Stream<DynamicTest> scanKindForTenant_rejectsBadTenantsAndPrefixes() {
    seed();
    String method = "scanKindForTenant";
    List<Case> cases = new ArrayList<>();
    Kit.badKeys()
        .forEach(
            (defect, s) -> {
              cases.add(
                  rejects(
                      method,
                      describe("tenant", defect),
                      () -> store().scanKindForTenant(MAINTENANCE, s, "k", 10, "")));
              cases.add(
                  rejects(
                      method,
                      describe("prefix", defect),
                      () -> store().scanKindForTenant(MAINTENANCE, q.tenantId(), s, 10, "")));
            });
    return eachRejected(InvalidScanException.class, cases.stream());
  }
}
