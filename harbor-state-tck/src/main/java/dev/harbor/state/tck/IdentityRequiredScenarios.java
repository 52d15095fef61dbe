package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.companion;
import static dev.harbor.state.tck.Kit.record;

import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Tenant, user and session are mandatory on every identity-scoped method (CONTRACT.md 5, lookups):
 * for save, saveAll, saveIf, saveBatchIf (in a written record and in a predicate-only expectation),
 * deleteIf, fenceIf, find, load, delete, deleteScope and both listKindForIdentity, an all-empty
 * identity and each of tenant, user and session empty is an {@code IdentityRequiredException}, and
 * nothing changes; so is an empty or null tenant for the tenant-scoped findByEventId and
 * loadByEventId, even of the tenant's live id. One dynamic test per method and incomplete identity.
 */
abstract class IdentityRequiredScenarios extends Scenarios {

  IdentityRequiredScenarios(StateStoreTck kit) {
    super(kit);
  }

  /** Each incomplete identity as a quadruple, by what it is ("a record with an empty tenant"). */
  private static Map<String, Quadruple> incomplete(String what) {
    Map<String, Quadruple> bad = new LinkedHashMap<>();
    Kit.incompleteIdentities().forEach((defect, id) -> bad.put(what + defect, id.run("r")));
    return bad;
  }

  @TestFactory
  Stream<DynamicTest> everyIdentityScopedMethod_rejectsAnIncompleteIdentity() {
    StateRecord seed = save(record(ALICE.run("r"), "k.seed", "seed"));
    Stream<Case> writes =
        eachMethodRejects(
            StoreMethods.WRITE_METHODS,
            m -> incomplete("a record "),
            (m, q) ->
                () -> {
                  StateRecord bad = record(q, "k.x", "v");
                  m.call().write(store(), bad, absent(bad), companion());
                });
    Stream<Case> expectations =
        eachMethodRejects(
            StoreMethods.EXPECTATION_METHODS,
            m -> incomplete("an expectation "),
            (m, q) ->
                () ->
                    m.call()
                        .call(
                            store(), m.at(q, seed.kind(), seed.id()), companion(), fencedAction()));
    Stream<Case> slots =
        eachMethodRejects(
            StoreMethods.SLOT_METHODS,
            m -> incomplete(m.takesPrefix() ? "an identity " : "a slot "),
            (m, q) -> () -> m.call().call(store(), q, m.takesPrefix() ? "k" : seed.kind()));
    Stream<Case> scopes =
        Kit.incompleteIdentities().entrySet().stream()
            .map(
                e ->
                    rejects(
                        "deleteScope",
                        "an identity " + e.getKey(),
                        () -> store().deleteScope(e.getValue())));
    Map<String, String> noTenant = new LinkedHashMap<>();
    noTenant.put("an empty tenant", "");
    noTenant.put("a null tenant", null);
    Stream<Case> lookups =
        eachMethodRejects(
            StoreMethods.TENANT_EVENT_ID_METHODS,
            m -> noTenant,
            (m, t) -> () -> m.call().call(store(), t, seed.id()));
    return eachRejected(
        IdentityRequiredException.class,
        Stream.of(writes, expectations, slots, scopes, lookups).flatMap(cases -> cases));
  }
}
