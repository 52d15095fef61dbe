package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.BY_SCAN_POSITION;
import static dev.harbor.state.tck.Kit.EMOJI;
import static dev.harbor.state.tck.Kit.STOP;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.at;
import static dev.harbor.state.tck.Kit.record;
import static dev.harbor.state.tck.Kit.sorted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.InvalidScanException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * scanKindForTenant, keyset paging of one tenant (CONTRACT.md 4.11): paging (limits 1, 2, 3 and
 * 256) visits every matching row of the tenant exactly once in (user, session, run, kind) UTF-8
 * byte order, only full pages carry a continuation; replaying a continuation returns the same page;
 * replaying the continuation that led to the last page returns that last page again (empty
 * continuation), and an empty last page once its rows are gone; a continuation of another tenant or
 * another prefix is an {@code InvalidScanException}; garbage ({@code %%%}, {@code e30}, tampered,
 * too long) is an {@code InvalidScanException} (one dynamic test each); with slots created,
 * rewritten and deleted between its pages, a scan returns every untouched row once and no slot
 * twice; a scan returns only its tenant's rows (not a tenant whose name extends it); 128 concurrent
 * scans (limit 1) of 128 tenants each see only their own row on a last page, and every 16th, on an
 * interrupted thread, gets {@code OperationCancelledException} and keeps the flag. (Limits: {@link
 * LimitsScenarios}; the maintenance scope: {@link MaintenanceScopeScenarios}.)
 */
abstract class ScanScenarios extends Scenarios {

  private static final String TENANT = "scan-t";

  ScanScenarios(StateStoreTck kit) {
    super(kit);
  }

  /**
   * The tenant's matching rows (in no order) after saving them and some rows the scan must skip.
   */
  private List<StateRecord> seed() {
    List<StateRecord> rows = new ArrayList<>();
    rows.add(save(at(TENANT, "u", "s", "", "k.s")));
    rows.add(save(at(TENANT, "u", "s", "", "k.s" + EMOJI)));
    rows.add(save(at(TENANT, "u", "s", "", "k.s" + STOP)));
    rows.add(save(at(TENANT, "u", "s", "", "k.sa")));
    rows.add(save(at(TENANT, "u", "s", "r", "k.s")));
    rows.add(save(at(TENANT, "u", "s", EMOJI, "k.s")));
    rows.add(save(at(TENANT, "u", "s", STOP, "k.s")));
    rows.add(save(at(TENANT, "u", EMOJI, "", "k.s")));
    rows.add(save(at(TENANT, "u", STOP, "", "k.s")));
    rows.add(save(at(TENANT, EMOJI, "s", "", "k.s")));
    rows.add(save(at(TENANT, STOP, "s", "", "k.s")));
    rows.add(save(at(TENANT, "a", "z", "", "k.s"))); // (a, z) before (ab, a): per component
    rows.add(save(at(TENANT, "ab", "a", "", "k.s")));
    rows.add(save(at(TENANT, "u\u00E9", "s", "", "k.s")));
    // Rows the scan must not return: other tenants (one whose name extends ours) and other kinds.
    save(at(TENANT + "2", "u", "s", "", "k.s"));
    save(at("scan", "u", "s", "", "k.s"));
    save(at("Scan-t", "u", "s", "", "k.s"));
    save(at(TENANT, "u", "s", "", "k.t"));
    save(at(TENANT, "u", "s", "", "K.s"));
    return rows;
  }

  /** The page of {@code TENANT}'s kinds under {@code prefix} after {@code continuation}. */
  private ScanPage page(String prefix, int limit, String continuation) {
    return store().scanKindForTenant(MAINTENANCE, TENANT, prefix, limit, continuation);
  }

  @Test
  void scan_pagingVisitsEveryMatchingRowOnceInUtf8Order() {
    List<StateRecord> expected = sorted(seed(), BY_SCAN_POSITION);
    for (int limit : new int[] {1, 2, 3, 256}) {
      assertThat(pageThrough("scan of " + TENANT, limit, 1366, c -> page("k.s", limit, c)))
          .as("limit %d", limit)
          .containsExactlyElementsOf(expected);
    }
  }

  /**
   * A scan is not a snapshot, but a row that stays in place for the whole scan appears exactly once
   * and no slot appears twice. The writes are steered between the pages: each time, a new slot that
   * sorts before the scan's position and one that sorts after it, a rewrite of a churned slot under
   * a new event id, and the deletion of another.
   */
  @Test
  void scan_withWritesBetweenItsPages_returnsEveryUntouchedRowOnce_andNoSlotTwice() {
    List<String> untouched = seed().stream().map(ScanScenarios::slot).toList();
    for (int i = 0; i < 8; i++) {
      save(at(TENANT, "churn", "s", "", "k.s" + i));
    }
    List<String> seen = new ArrayList<>();
    String continuation = "";
    int round = 0;
    do {
      ScanPage p = page("k.s", 2, continuation);
      p.records().forEach(r -> seen.add(slot(r)));
      continuation = p.continuation();
      save(at(TENANT, "0-new-" + round, "s", "", "k.s"));
      save(at(TENANT, "zz-new-" + round, "s", "", "k.s"));
      save(at(TENANT, "churn", "s", "", "k.s" + (round % 8)));
      store().delete(new Quadruple(TENANT, "churn", "s", ""), "k.s" + ((round + 4) % 8));
      round++;
    } while (!continuation.isEmpty() && round < 1000);
    assertThat(round).as("pages").isGreaterThan(untouched.size() / 2).isLessThan(1000);
    assertThat(seen).as("no slot twice").doesNotHaveDuplicates().containsAll(untouched);
  }

  private static String slot(StateRecord r) {
    return r.identity() + " " + r.kind();
  }

  @Test
  void scan_replayingAContinuation_returnsTheSamePage() {
    seed();
    ScanPage first = page("k.s", 2, "");
    ScanPage second = page("k.s", 2, first.continuation());
    assertThat(page("k.s", 2, "")).isEqualTo(first);
    assertThat(page("k.s", 2, first.continuation())).isEqualTo(second);
    assertThat(page("k.s", 2, first.continuation())).isEqualTo(second);
    assertThat(page("k.s", 2, null)).isEqualTo(first);
  }

  @Test
  void scan_replayingTheTerminalContinuation_returnsTheLastPageAgain() {
    StateRecord a = save(at(TENANT, "u1", "s", "", "k.s"));
    StateRecord b = save(at(TENANT, "u2", "s", "", "k.s"));
    StateRecord c = save(at(TENANT, "u3", "s", "", "k.s"));
    ScanPage p1 = page("k.s", 1, "");
    ScanPage p2 = page("k.s", 1, p1.continuation());
    ScanPage p3 = page("k.s", 1, p2.continuation());
    assertThat(p1.records()).containsExactly(a);
    assertThat(p2.records()).containsExactly(b);
    assertThat(p3.records()).containsExactly(c);
    assertThat(p3.isLast()).isTrue();
    assertThat(p3.continuation()).isEmpty();

    ScanPage replay = page("k.s", 1, p2.continuation());
    assertThat(replay).isEqualTo(p3);
    assertThat(replay.isLast()).isTrue();

    // Once the rows after the position are gone, the same continuation yields an empty last page.
    store().delete(c.identity(), c.kind());
    ScanPage empty = page("k.s", 1, p2.continuation());
    assertThat(empty.records()).isEmpty();
    assertThat(empty.isLast()).isTrue();
  }

  @Test
  void scan_continuationOfAnotherTenant_throwsInvalidScan() {
    seed();
    save(at(TENANT + "2", "u2", "s", "", "k.s"));
    String continuation = page("k.s", 1, "").continuation();
    assertThat(continuation).isNotEmpty();
    assertRejected(
        "other tenant",
        InvalidScanException.class,
        () -> store().scanKindForTenant(MAINTENANCE, TENANT + "2", "k.s", 1, continuation));
    assertRejected(
        "tenant differing in case",
        InvalidScanException.class,
        () -> store().scanKindForTenant(MAINTENANCE, "Scan-t", "k.s", 1, continuation));
  }

  @Test
  void scan_continuationOfAnotherPrefix_throwsInvalidScan() {
    seed();
    String continuation = page("k.s", 1, "").continuation();
    assertThat(continuation).isNotEmpty();
    assertRejected("shorter prefix", InvalidScanException.class, () -> page("k.", 1, continuation));
    assertRejected(
        "longer prefix", InvalidScanException.class, () -> page("k.sa", 1, continuation));
  }

  @TestFactory
  Stream<DynamicTest> scan_garbageOrTamperedContinuation_throwsInvalidScan() {
    seed();
    String valid = page("k.s", 1, "").continuation();
    assertThat(valid).isNotEmpty();
    Map<String, String> bad = Kit.badContinuations(valid, 1366);
    return eachRejected(
        InvalidScanException.class,
        bad.entrySet().stream()
            .map(
                e -> rejects("scanKindForTenant", e.getKey(), () -> page("k.s", 1, e.getValue()))));
  }

  @Test
  void scan_returnsOnlyTheTenantsRows() {
    List<StateRecord> mine = seed();
    List<StateRecord> rows = page("k", 256, "").records();
    assertThat(rows).allSatisfy(r -> assertThat(r.identity().tenantId()).isEqualTo(TENANT));
    assertThat(rows).containsAll(mine).hasSize(mine.size() + 1);
    assertThat(store().scanKindForTenant(MAINTENANCE, "scan", "k", 256, "").records()).hasSize(1);
    ScanPage nobody = store().scanKindForTenant(MAINTENANCE, "nobody", "k", 256, "");
    assertThat(nobody.records()).isEmpty();
    assertThat(nobody.isLast()).isTrue();
  }

  @Test
  void scan_128ConcurrentScansOf128Tenants_eachSeeOnlyItsOwnRow_interruptedOnesAreCancelled() {
    List<StateRecord> rows = new ArrayList<>();
    for (int i = 0; i < 128; i++) {
      // t1, t10, t100 share prefixes on purpose.
      rows.add(save(record(new Quadruple("t" + i, "u", "s", ""), "k.c", "row of t" + i)));
    }
    List<StateRecord> before = snapshot();
    // Limit 1 over one row: a full page that is still the last one (no row after it).
    Map<Integer, ScanPage> pages =
        Race.runTogetherInterruptingEvery(
            "128 concurrent scans, every 16th interrupted",
            16,
            128,
            i -> () -> store().scanKindForTenant(MAINTENANCE, "t" + i, "k.c", 1, ""));
    assertThat(pages).as("uninterrupted scans").hasSize(120);
    pages.forEach(
        (i, page) -> {
          assertThat(page.records()).as("scan of t%d", i).containsExactly(rows.get(i));
          assertThat(page.isLast()).as("scan of t%d is complete", i).isTrue();
        });
    assertThat(snapshot()).isEqualTo(before);
  }
}
