package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.record;

import dev.harbor.state.ListScope;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Reads across identities need the maintenance scope (CONTRACT.md 4.10, 4.11): both listKind,
 * scanKindForTenant and scanAll given {@code ListScope.NONE}, {@code new ListScope(false)} or
 * {@code null} throw {@code MaintenanceScopeRequiredException} with nothing changed. One dynamic
 * test per method and scope.
 */
abstract class MaintenanceScopeScenarios extends Scenarios {

  MaintenanceScopeScenarios(StateStoreTck kit) {
    super(kit);
  }

  /** A call of a read across identities under a scope. */
  @FunctionalInterface
  private interface ScopedCall {
    void read(StateStore store, ListScope scope);
  }

  @TestFactory
  Stream<DynamicTest> readsAcrossIdentities_withoutMaintenanceScope_areRejected() {
    save(record(ALICE.run("r"), "k.a", "1"));
    Map<String, ScopedCall> methods = new LinkedHashMap<>();
    methods.put("listKind", (s, scope) -> s.listKind(scope, "k"));
    methods.put("listKind(limit)", (s, scope) -> s.listKind(scope, "k", 10));
    methods.put(
        "scanKindForTenant",
        (s, scope) -> s.scanKindForTenant(scope, ALICE.tenantId(), "k", 10, ""));
    methods.put("scanAll", (s, scope) -> s.scanAll(scope, 10, ""));
    Map<String, ListScope> scopes = new LinkedHashMap<>();
    scopes.put("ListScope.NONE", ListScope.NONE);
    scopes.put("new ListScope(false)", new ListScope(false));
    scopes.put("a null scope", null);
    List<Case> cases = new ArrayList<>();
    methods.forEach(
        (name, call) ->
            scopes.forEach(
                (what, scope) -> cases.add(rejects(name, what, () -> call.read(store(), scope)))));
    return eachRejected(MaintenanceScopeRequiredException.class, cases.stream());
  }
}
