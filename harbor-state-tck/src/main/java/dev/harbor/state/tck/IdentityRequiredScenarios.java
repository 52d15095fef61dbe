package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.companion;
import static dev.harbor.state.tck.Kit.record;

import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.tck.StoreMethods.ExpectationMethod;
import dev.harbor.state.tck.StoreMethods.SlotMethod;
import dev.harbor.state.tck.StoreMethods.WriteMethod;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Tenant, user and session are mandatory on every identity-scoped method (CONTRACT.md 5, lookups):
 * for save, saveAll, saveIf, saveBatchIf (in a written record and in a predicate-only expectation),
 * deleteIf, fenceIf, find, load, delete, deleteScope and both listKindForIdentity, an all-empty
 * identity and each of tenant, user and session empty is an {@code IdentityRequiredException}, and
 * nothing changes. One dynamic test per method and incomplete identity.
 */
abstract class IdentityRequiredScenarios extends Scenarios {

  IdentityRequiredScenarios(StateStoreTck kit) {
    super(kit);
  }

  @TestFactory
  Stream<DynamicTest> everyIdentityScopedMethod_rejectsAnIncompleteIdentity() {
    StateRecord seed = save(record(ALICE.run("r"), "k.seed", "seed"));
    List<Case> cases = new ArrayList<>();
    Kit.incompleteIdentities()
        .forEach(
            (defect, identity) -> {
              Quadruple q = identity.run("r");
              for (WriteMethod m : StoreMethods.WRITE_METHODS) {
                cases.add(
                    rejects(
                        m.name(),
                        "a record " + defect,
                        () -> {
                          StateRecord bad = record(q, "k.x", "v");
                          m.call().write(store(), bad, absent(bad), companion());
                        }));
              }
              for (ExpectationMethod m : StoreMethods.EXPECTATION_METHODS) {
                cases.add(
                    rejects(
                        m.name(),
                        "an expectation " + defect,
                        () ->
                            m.call()
                                .call(
                                    store(),
                                    m.at(q, seed.kind(), seed.id()),
                                    companion(),
                                    fencedAction())));
              }
              for (SlotMethod m : StoreMethods.SLOT_METHODS) {
                String kind = m.takesPrefix() ? "k" : seed.kind();
                String what = m.takesPrefix() ? "an identity " : "a slot ";
                cases.add(rejects(m.name(), what + defect, () -> m.call().call(store(), q, kind)));
              }
              cases.add(
                  rejects(
                      "deleteScope", "an identity " + defect, () -> store().deleteScope(identity)));
            });
    return eachRejected(IdentityRequiredException.class, cases.stream());
  }
}
