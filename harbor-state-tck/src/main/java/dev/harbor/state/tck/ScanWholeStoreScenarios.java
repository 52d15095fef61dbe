package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.BY_SLOT;
import static dev.harbor.state.tck.Kit.EMOJI;
import static dev.harbor.state.tck.Kit.STOP;
import static dev.harbor.state.tck.Kit.at;
import static dev.harbor.state.tck.Kit.sorted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.InvalidScanException;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * scanAll, the whole store keyset-paginated for exports and copies: paging (limits 1, 2, 3 and
 * 1000) visits every record of every tenant exactly once in (tenant, user, session, run, kind)
 * UTF-8 byte order, only full pages carry a continuation of at most 1708 characters; replaying a
 * continuation returns the same page; a continuation of {@code scanKindForTenant}, garbage or a
 * tampered one is an {@code InvalidScanException}, and so is a scanAll continuation given to {@code
 * scanKindForTenant} (one dynamic test each); an empty store gives one empty last page. (Limits:
 * {@link LimitsScenarios}; the maintenance scope: {@link MaintenanceScopeScenarios}.)
 */
abstract class ScanWholeStoreScenarios extends Scenarios {

  ScanWholeStoreScenarios(StateStoreTck kit) {
    super(kit);
  }

  /**
   * Rows across tenants whose per-component order differs from their concatenated and UTF-16
   * orders.
   */
  private List<StateRecord> seed() {
    List<StateRecord> rows = new ArrayList<>();
    rows.add(save(at("t", "u", "s", "", "k")));
    rows.add(save(at("t", "u", "s", "", "k" + EMOJI)));
    rows.add(save(at("t", "u", "s", "", "k" + STOP)));
    rows.add(save(at("t", "u", "s", "r", "a")));
    rows.add(save(at("t", "u", EMOJI, "", "k")));
    rows.add(save(at("t", "u", STOP, "", "k")));
    rows.add(save(at("a", "z", "s", "", "k")));
    rows.add(save(at("ab", "a", "s", "", "k")));
    rows.add(save(at(EMOJI, "u", "s", "", "x")));
    rows.add(save(at(STOP, "u", "s", "", "%")));
    rows.add(save(at("T", "u", "s", "", "_")));
    return rows;
  }

  /** Every record, paged through with {@code limit}. */
  private List<StateRecord> everything(int limit) {
    return pageThrough("scanAll", limit, 1708, c -> store().scanAll(MAINTENANCE, limit, c));
  }

  @Test
  void scanAll_pagingVisitsEveryRecordOnceInUtf8SlotOrder() {
    List<StateRecord> expected = sorted(seed(), BY_SLOT);
    for (int limit : new int[] {1, 2, 3, 1000}) {
      assertThat(everything(limit)).as("limit %d", limit).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void scanAll_longestKeys_fitTheContinuation() {
    String max = EMOJI.repeat(64); // 256 UTF-8 bytes each
    save(at(max, max, max, max, max));
    save(at(max, max, max, max, max.substring(2) + "z"));
    assertThat(everything(1)).hasSize(2);
  }

  @Test
  void scanAll_replayingAContinuation_returnsTheSamePage() {
    seed();
    ScanPage first = store().scanAll(MAINTENANCE, 3, "");
    ScanPage second = store().scanAll(MAINTENANCE, 3, first.continuation());
    assertThat(store().scanAll(MAINTENANCE, 3, null)).isEqualTo(first);
    assertThat(store().scanAll(MAINTENANCE, 3, first.continuation())).isEqualTo(second);
  }

  @Test
  void scanAll_emptyStore_isOneEmptyLastPage() {
    ScanPage page = store().scanAll(MAINTENANCE, 10, "");
    assertThat(page.records()).isEmpty();
    assertThat(page.isLast()).isTrue();
  }

  @TestFactory
  Stream<DynamicTest> scanAll_foreignGarbageOrTamperedContinuation_throwsInvalidScan() {
    seed();
    String valid = store().scanAll(MAINTENANCE, 1, "").continuation();
    String tenantScan = store().scanKindForTenant(MAINTENANCE, "t", "k", 1, "").continuation();
    assertThat(valid).isNotEmpty();
    assertThat(tenantScan).isNotEmpty();
    Stream<Case> foreign =
        Stream.of(
            rejects(
                "scanAll",
                "a scanKindForTenant continuation",
                () -> store().scanAll(MAINTENANCE, 1, tenantScan)),
            rejects(
                "scanKindForTenant",
                "a scanAll continuation",
                () -> store().scanKindForTenant(MAINTENANCE, "t", "k", 1, valid)));
    Stream<Case> garbage =
        Kit.badContinuations(valid, 1708).entrySet().stream()
            .map(
                e ->
                    rejects(
                        "scanAll",
                        e.getKey(),
                        () -> store().scanAll(MAINTENANCE, 1, e.getValue())));
    return eachRejected(InvalidScanException.class, Stream.concat(foreign, garbage));
  }
}
