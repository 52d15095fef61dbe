package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.BOB;
import static dev.harbor.state.tck.Kit.BY_SCAN_POSITION;
import static dev.harbor.state.tck.Kit.BY_SLOT;
import static dev.harbor.state.tck.Kit.BY_SLOT_UTF16;
import static dev.harbor.state.tck.Kit.EMOJI;
import static dev.harbor.state.tck.Kit.STOP;
import static dev.harbor.state.tck.Kit.at;
import static dev.harbor.state.tck.Kit.record;
import static dev.harbor.state.tck.Kit.sorted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.tck.StoreMethods.ListingCall;
import dev.harbor.state.tck.StoreMethods.Named;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * listKind and listKindForIdentity (CONTRACT.md 4.10): listKind(MAINTENANCE) returns matches across
 * identities, each with its own identity; no matches → empty; {@code %}, {@code _}, {@code \},
 * {@code *}, {@code ?} and case match literally in every list method and the scan, also in a prefix
 * that ends in a backslash or holds a doubled one (one dynamic test per method and prefix); bounded
 * listKind orders by (tenant, user, session, run, kind) comparing UTF-8 bytes (not UTF-16, not
 * concatenated keys) and applies the limit; listKindForIdentity sees exactly its quadruple, the
 * empty run only the empty run; bounded listKindForIdentity orders by kind in UTF-8 byte order and
 * applies the limit. (An empty prefix: {@link BadStringsScenarios}; limits: {@link
 * LimitsScenarios}; the maintenance scope: {@link MaintenanceScopeScenarios}.)
 */
abstract class ListingScenarios extends Scenarios {

  ListingScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void listKind_maintenance_returnsMatchesAcrossIdentities() {
    StateRecord a = save(record(ALICE.run("r"), "k.list.a", "1"));
    StateRecord b = save(record(BOB.sessionScoped(), "k.list.b", "2"));
    StateRecord c = save(record(new Quadruple("tenant-c", "u", "s", "run"), "k.list", "3"));
    save(record(ALICE.run("r"), "k.lis", "not matching"));
    save(record(ALICE.run("r"), "K.list", "not matching"));

    List<StateRecord> listed = store().listKind(MAINTENANCE, "k.list");
    assertThat(listed).containsExactlyInAnyOrder(a, b, c);
    assertThat(store().listKind(MAINTENANCE, "k.list", 10)).containsExactlyInAnyOrder(a, b, c);
  }

  @Test
  void listing_noMatches_returnsEmpty() {
    save(record(ALICE.run("r"), "k.a", "1"));
    assertThat(store().listKind(MAINTENANCE, "k.b")).isEmpty();
    assertThat(store().listKind(MAINTENANCE, "k.b", 10)).isEmpty();
    assertThat(store().listKindForIdentity(ALICE.run("r"), "k.b")).isEmpty();
    assertThat(store().listKindForIdentity(ALICE.run("r"), "k.b", 10)).isEmpty();
    assertThat(store().listKindForIdentity(ALICE.run("other"), "k")).isEmpty();
    assertThat(store().listKindForIdentity(BOB.run("r"), "k", 10)).isEmpty();
    assertThat(store().listKind(MAINTENANCE, "k.a.longer")).isEmpty();
  }

  @TestFactory
  Stream<DynamicTest> listing_metacharactersAndCase_matchLiterally() {
    Quadruple q = ALICE.run("r");
    List<String> kinds =
        List.of(
            "a%b",
            "axb",
            "a_b",
            "aXb",
            "A%b",
            "a\\b",
            "a*b",
            "a?b",
            "abc",
            "a%_\\literal",
            "aXxliteral",
            "special%_\\one",
            "special%_\\\\two",
            "specialXXone");
    for (String kind : kinds) {
      save(record(q, kind, kind));
    }
    Map<String, Set<String>> expected = new LinkedHashMap<>();
    expected.put("a%", Set.of("a%b", "a%_\\literal"));
    expected.put("a_", Set.of("a_b"));
    expected.put("a\\", Set.of("a\\b"));
    expected.put("a*", Set.of("a*b"));
    expected.put("a?", Set.of("a?b"));
    expected.put("A", Set.of("A%b"));
    expected.put("ax", Set.of("axb"));
    expected.put("aX", Set.of("aXb", "aXxliteral"));
    expected.put("%", Set.of());
    expected.put("_", Set.of());
    expected.put("\\", Set.of());
    expected.put("a%b", Set.of("a%b"));
    expected.put(
        "a",
        Set.of(
            "a%b", "axb", "a_b", "aXb", "a\\b", "a*b", "a?b", "abc", "a%_\\literal", "aXxliteral"));
    // A backslash ends the prefix, or is doubled: an escape character of the backend's pattern
    // syntax must not leak into the match (LIKE's ESCAPE, a trailing escape, an escaped escape).
    expected.put("a%_\\", Set.of("a%_\\literal"));
    expected.put("special%_\\", Set.of("special%_\\one", "special%_\\\\two"));
    expected.put("special%_\\\\", Set.of("special%_\\\\two"));
    expected.put("special", Set.of("special%_\\one", "special%_\\\\two", "specialXXone"));
    List<DynamicTest> tests = new ArrayList<>();
    for (Named<ListingCall> m : StoreMethods.LISTING_METHODS) {
      expected.forEach(
          (prefix, want) ->
              tests.add(
                  dynamicTest(
                      m.name() + " matches the prefix \"" + prefix + "\" literally",
                      () ->
                          assertThat(kindsOf(m.call().list(store(), q, prefix)))
                              .as("%s %s", m.name(), prefix)
                              .isEqualTo(want))));
    }
    return tests.stream();
  }

  private static Set<String> kindsOf(List<StateRecord> records) {
    Set<String> kinds = new HashSet<>();
    for (StateRecord r : records) {
      assertThat(kinds.add(r.kind())).as("kind %s listed once", r.kind()).isTrue();
    }
    return kinds;
  }

  /**
   * Records whose UTF-8 order differs from UTF-16 order and from concatenated-key order at every
   * level.
   */
  private static List<StateRecord> orderingData() {
    List<StateRecord> rows = new ArrayList<>();
    rows.add(at("a", "u", "s", "", "k.o"));
    rows.add(at("a", "u", "s", "", "k.o" + EMOJI));
    rows.add(at("a", "u", "s", "", "k.o" + STOP));
    rows.add(at("a", "u", "s", "", "k.oa"));
    rows.add(at("a", "u", "s", "r", "k.o"));
    rows.add(at("a", "u", "s", STOP, "k.o"));
    rows.add(at("a", "u", "s", EMOJI, "k.o"));
    rows.add(at("a", "u", STOP, "", "k.o"));
    rows.add(at("a", "u", EMOJI, "", "k.o"));
    rows.add(at("a", STOP, "s", "", "k.o"));
    rows.add(at("a", EMOJI, "s", "", "k.o"));
    rows.add(at("a", "z", "s", "", "k.o")); // (a, z) before (ab, a): compare per component,
    rows.add(at("ab", "a", "s", "", "k.o")); // not on concatenated keys
    rows.add(at("a\u00E9", "u", "s", "", "k.o"));
    rows.add(at(STOP, "u", "s", "", "k.o"));
    rows.add(at(EMOJI, "u", "s", "", "k.o"));
    rows.add(at("z", "u", "s", "", "k.o"));
    return rows;
  }

  @Test
  void listKindWithLimit_ordersByTenantUserSessionRunKindInUtf8ByteOrder() {
    assertThat(Kit.compareUtf8(STOP, EMOJI)).as("U+FF61 sorts first in UTF-8").isNegative();
    assertThat(STOP.compareTo(EMOJI)).as("U+FF61 sorts last in UTF-16").isPositive();
    List<StateRecord> rows = new ArrayList<>();
    for (StateRecord r : orderingData()) {
      rows.add(save(r));
    }
    save(at("a", "u", "s", "", "k.p"));
    save(at("a", "u", "s", "", "K.o"));
    List<StateRecord> expected = sorted(rows, BY_SLOT);
    assertThat(expected)
        .as("test data tells UTF-8 from UTF-16 order")
        .isNotEqualTo(sorted(rows, BY_SLOT_UTF16));

    assertThat(store().listKind(MAINTENANCE, "k.o", 10_001)).containsExactlyElementsOf(expected);
    assertThat(store().listKind(MAINTENANCE, "k.o")).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void listKindWithLimit_appliesTheLimit() {
    List<StateRecord> rows = new ArrayList<>();
    for (StateRecord r : orderingData()) {
      rows.add(save(r));
    }
    List<StateRecord> expected = sorted(rows, BY_SLOT);
    assertThat(store().listKind(MAINTENANCE, "k.o", 1))
        .containsExactlyElementsOf(expected.subList(0, 1));
    assertThat(store().listKind(MAINTENANCE, "k.o", 5))
        .containsExactlyElementsOf(expected.subList(0, 5));
    assertThat(store().listKind(MAINTENANCE, "k.o", expected.size()))
        .containsExactlyElementsOf(expected);
  }

  @Test
  void listKindForIdentity_seesExactlyItsQuadruple_emptyRunOnlyEmptyRun() {
    StateRecord session = save(record(ALICE.sessionScoped(), "k.x", "session"));
    StateRecord sessionY = save(record(ALICE.sessionScoped(), "k.y", "session y"));
    StateRecord run = save(record(ALICE.run("r"), "k.x", "run"));
    save(record(ALICE.run("r2"), "k.x", "other run"));

    assertThat(store().listKindForIdentity(ALICE.sessionScoped(), "k"))
        .containsExactlyInAnyOrder(session, sessionY);
    assertThat(store().listKindForIdentity(ALICE.sessionScoped(), "k", 1000))
        .containsExactly(session, sessionY);
    assertThat(store().listKindForIdentity(ALICE.run("r"), "k")).containsExactly(run);
    assertThat(store().listKindForIdentity(ALICE.run("r"), "k", 10)).containsExactly(run);
    assertThat(store().listKindForIdentity(ALICE.run("none"), "k")).isEmpty();
  }

  @Test
  void listKindForIdentityWithLimit_ordersByKindInUtf8ByteOrderAndAppliesTheLimit() {
    Quadruple q = ALICE.run("r");
    List<StateRecord> rows = new ArrayList<>();
    for (String kind :
        List.of("k.o" + EMOJI, "k.o", "k.o" + STOP, "k.oa", "k.o.a", "k.o\u00E9", "k.oZ")) {
      rows.add(save(record(q, kind, kind)));
    }
    save(record(q, "k.p", "no"));
    save(record(ALICE.sessionScoped(), "k.o", "other run"));
    save(record(BOB.run("r"), "k.o", "other identity"));
    List<StateRecord> expected = sorted(rows, BY_SCAN_POSITION);

    assertThat(store().listKindForIdentity(q, "k.o", 1000)).containsExactlyElementsOf(expected);
    assertThat(store().listKindForIdentity(q, "k.o", 3))
        .containsExactlyElementsOf(expected.subList(0, 3));
    assertThat(store().listKindForIdentity(q, "k.o", 1))
        .containsExactlyElementsOf(expected.subList(0, 1));
    assertThat(store().listKindForIdentity(q, "k.o")).containsExactlyInAnyOrderElementsOf(expected);
  }
}
