package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.describe;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.ListScope;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.tck.StoreMethods.WideMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The checks of purge, eraseUser and eraseTenant (CONTRACT.md 8), in their order, each changing
 * nothing: a scope other than maintenance is a {@code MaintenanceScopeRequiredException}; an empty
 * or null tenant (or user, for eraseUser) an {@code IdentityRequiredException}; a bad tenant, user
 * or prefix string (CONTRACT.md 4.1), an empty prefix, or a limit outside 1..10,000 an {@code
 * InvalidRecordException}; purge's null cutoff a {@code NullPointerException}. Limits 1 and 10,000
 * are accepted. When several arguments are wrong the first check in that order wins. Every call
 * here would delete the seeded records if it went ahead. One dynamic test per method and defect.
 */
abstract class RetentionChecksScenarios extends Scenarios {

  private static final String TENANT = ALICE.tenantId();
  private static final String USER = ALICE.userId();

  RetentionChecksScenarios(StateStoreTck kit) {
    super(kit);
  }

  /** Records every valid call of a wide erasure below would delete. */
  private void seed() {
    save(record(ALICE.run("r"), "k.seed", "seed"));
    save(record(ALICE.run("r"), "k.other", "other"));
  }

  private Case call(
      WideMethod m, String what, ListScope scope, String tenant, String user, String prefix) {
    return rejects(m.name(), what, () -> m.call().call(store(), scope, tenant, user, prefix, 10));
  }

  @TestFactory
  Stream<DynamicTest> wideErasures_withoutMaintenanceScope_areRejected() {
    seed();
    Map<String, ListScope> scopes = new LinkedHashMap<>();
    scopes.put("ListScope.NONE", ListScope.NONE);
    scopes.put("new ListScope(false)", new ListScope(false));
    scopes.put("a null scope", null);
    return eachRejected(
        MaintenanceScopeRequiredException.class,
        eachMethodRejects(
            StoreMethods.WIDE_METHODS,
            m -> scopes,
            (m, scope) -> () -> m.call().call(store(), scope, TENANT, USER, "k", 10)));
  }

  @TestFactory
  Stream<DynamicTest> wideErasures_rejectAnEmptyTenantOrUser() {
    seed();
    List<Case> cases = new ArrayList<>();
    for (WideMethod m : StoreMethods.WIDE_METHODS) {
      cases.add(call(m, "an empty tenant", MAINTENANCE, "", USER, "k"));
      cases.add(call(m, "a null tenant", MAINTENANCE, null, USER, "k"));
      if (m.takesUser()) {
        cases.add(call(m, "an empty user", MAINTENANCE, TENANT, "", "k"));
        cases.add(call(m, "a null user", MAINTENANCE, TENANT, null, "k"));
      }
    }
    return eachRejected(IdentityRequiredException.class, cases.stream());
  }

  @TestFactory
  Stream<DynamicTest> wideErasures_rejectBadStringsAndLimits() {
    seed();
    List<Case> cases = new ArrayList<>();
    for (WideMethod m : StoreMethods.WIDE_METHODS) {
      Kit.badStrings()
          .forEach(
              (defect, s) -> {
                cases.add(call(m, describe("tenant", defect), MAINTENANCE, s, USER, "k"));
                if (m.takesUser()) {
                  cases.add(call(m, describe("user", defect), MAINTENANCE, TENANT, s, "k"));
                }
              });
      if (m.takesPrefix()) {
        Kit.badKeys()
            .forEach(
                (defect, p) ->
                    cases.add(call(m, describe("prefix", defect), MAINTENANCE, TENANT, USER, p)));
      }
      IntStream.of(0, -1, 10_001, Integer.MIN_VALUE, Integer.MAX_VALUE)
          .forEach(
              limit ->
                  cases.add(
                      rejects(
                          m.name(),
                          "limit " + limit,
                          () -> m.call().call(store(), MAINTENANCE, TENANT, USER, "k", limit))));
    }
    return eachRejected(InvalidRecordException.class, cases.stream());
  }

  @TestFactory
  Stream<DynamicTest> purge_rejectsANullCutoff() {
    seed();
    return eachRejected(
        NullPointerException.class,
        Stream.of(
            rejects(
                "purge",
                "a null cutoff",
                () -> store().purge(MAINTENANCE, TENANT, "k", null, 10))));
  }

  @TestFactory
  Stream<DynamicTest> wideErasures_checkInOrder_scopeIdentityStringsThenCutoff() {
    seed();
    return Stream.concat(
        eachRejected(
            MaintenanceScopeRequiredException.class,
            Stream.of(
                rejects(
                    "purge",
                    "no scope before an empty tenant",
                    () -> store().purge(ListScope.NONE, "", "", null, 0)),
                rejects(
                    "eraseUser",
                    "no scope before an empty user",
                    () -> store().eraseUser(ListScope.NONE, TENANT, "", 0)))),
        Stream.concat(
            eachRejected(
                IdentityRequiredException.class,
                Stream.of(
                    rejects(
                        "purge",
                        "an empty tenant before an empty prefix",
                        () -> store().purge(MAINTENANCE, "", "", null, 0)),
                    rejects(
                        "eraseUser",
                        "an empty user before a bad tenant",
                        () -> store().eraseUser(MAINTENANCE, "k\u0000", "", 0)))),
            eachRejected(
                InvalidRecordException.class,
                Stream.of(
                    rejects(
                        "purge",
                        "an empty prefix before a null cutoff",
                        () -> store().purge(MAINTENANCE, TENANT, "", null, 10))))));
  }

  @TestFactory
  Stream<DynamicTest> wideErasures_acceptLimitsOneAndTenThousand() {
    return StoreMethods.WIDE_METHODS.stream()
        .flatMap(
            m ->
                IntStream.of(1, 10_000)
                    .mapToObj(
                        limit ->
                            dynamicTest(
                                m.name() + " accepts limit " + limit,
                                () -> {
                                  seed();
                                  int deleted =
                                      m.call().call(store(), MAINTENANCE, TENANT, USER, "k", limit);
                                  assertThat(deleted).isEqualTo(Math.min(limit, 2));
                                  store().eraseTenant(MAINTENANCE, TENANT, 10_000);
                                })));
  }
}
