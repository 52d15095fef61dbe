package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.InvalidScanException;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The limits of the bounded reads (CONTRACT.md 4.10, 4.11): bounded listKind accepts 1 to 10001,
 * bounded listKindForIdentity 1 to 1000, scanKindForTenant 1 to 256, scanAll 1 to 1000. Each
 * rejects 0, -1, one more than its maximum, {@code Integer.MIN_VALUE} and {@code Integer.MAX_VALUE}
 * ({@code InvalidRecordException} for the listings, {@code InvalidScanException} for the scans)
 * with nothing changed, and accepts 1 (one record) and its maximum (every record). One dynamic test
 * per method and limit.
 */
abstract class LimitsScenarios extends Scenarios {

  LimitsScenarios(StateStoreTck kit) {
    super(kit);
  }

  /** A call of a bounded read with a limit; returns the records of its first page. */
  @FunctionalInterface
  private interface BoundedCall {
    List<StateRecord> read(StateStore store, int limit);
  }

  /** A bounded read, the largest limit it accepts and what it throws for one outside. */
  private record BoundedMethod(
      String name, int max, Class<? extends Throwable> rejection, BoundedCall call) {}

  private static final List<BoundedMethod> BOUNDED_METHODS =
      List.of(
          new BoundedMethod(
              "listKind(limit)",
              10_001,
              InvalidRecordException.class,
              (s, limit) -> s.listKind(MAINTENANCE, "k", limit)),
          new BoundedMethod(
              "listKindForIdentity(limit)",
              1_000,
              InvalidRecordException.class,
              (s, limit) -> s.listKindForIdentity(ALICE.run("r"), "k", limit)),
          new BoundedMethod(
              "scanKindForTenant",
              256,
              InvalidScanException.class,
              (s, limit) ->
                  s.scanKindForTenant(MAINTENANCE, ALICE.tenantId(), "k", limit, "").records()),
          new BoundedMethod(
              "scanAll",
              1_000,
              InvalidScanException.class,
              (s, limit) -> s.scanAll(MAINTENANCE, limit, "").records()));

  @TestFactory
  Stream<DynamicTest> boundedReads_rejectLimitsOutsideTheirRange_acceptItsEnds() {
    List<StateRecord> all =
        IntStream.range(0, 3)
            .mapToObj(i -> save(record(ALICE.run("r"), "k.limit." + i, "row " + i)))
            .toList();
    return BOUNDED_METHODS.stream()
        .flatMap(
            m ->
                Stream.concat(
                    eachRejected(
                        m.rejection(),
                        IntStream.of(0, -1, m.max() + 1, Integer.MIN_VALUE, Integer.MAX_VALUE)
                            .mapToObj(
                                limit ->
                                    rejects(
                                        m.name(),
                                        "limit " + limit,
                                        () -> m.call().read(store(), limit)))),
                    Stream.of(
                        dynamicTest(
                            m.name() + " accepts limit 1 and returns one record",
                            () -> assertThat(m.call().read(store(), 1)).hasSize(1)),
                        dynamicTest(
                            m.name() + " accepts limit " + m.max() + " and returns every record",
                            () ->
                                assertThat(m.call().read(store(), m.max()))
                                    .containsExactlyInAnyOrderElementsOf(all)))));
  }
}
