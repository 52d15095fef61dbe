package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.tck.StoreMethods.WriteMethod;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The range of {@code updatedAt} (CONTRACT.md 3.3, {@link StateRecord#MIN_UPDATED_AT} to {@link
 * StateRecord#MAX_UPDATED_AT}): an updatedAt of exactly the minimum, exactly the maximum, or in the
 * years 0, -4712, 10000 and 200000 round-trips exactly through save, saveAll, saveIf and
 * saveBatchIf; the minimum minus 1 µs, the maximum plus 1 µs, {@code Instant.MIN} and {@code
 * Instant.MAX} are an {@code InvalidRecordException} from each of them (at a new slot and over a
 * live record) and nothing changes. One dynamic test per method and outcome, each method in a run
 * of its own.
 */
abstract class UpdatedAtRangeScenarios extends Scenarios {

  UpdatedAtRangeScenarios(StateStoreTck kit) {
    super(kit);
  }

  /** Instants at the edges of the range and far from 1970, by the kind each is written under. */
  private static Map<String, Instant> inRange() {
    Map<String, Instant> at = new LinkedHashMap<>();
    at.put("k.at.min", StateRecord.MIN_UPDATED_AT);
    at.put("k.at.max", StateRecord.MAX_UPDATED_AT);
    at.put("k.at.year0", Instant.parse("0000-06-15T12:00:00.123456Z"));
    at.put("k.at.year-4712", Instant.parse("-4712-02-29T23:59:59.999999Z"));
    at.put("k.at.year10000", Instant.parse("+10000-01-01T00:00:00.000001Z"));
    at.put("k.at.year200000", Instant.parse("+200000-12-31T23:59:59.654321Z"));
    return at;
  }

  /** Instants just outside the range and at the ends of {@link Instant}. */
  private static Map<String, Instant> outOfRange() {
    Map<String, Instant> at = new LinkedHashMap<>();
    at.put("MIN_UPDATED_AT minus 1 µs", StateRecord.MIN_UPDATED_AT.minus(1, ChronoUnit.MICROS));
    at.put("MAX_UPDATED_AT plus 1 µs", StateRecord.MAX_UPDATED_AT.plus(1, ChronoUnit.MICROS));
    at.put("Instant.MIN", Instant.MIN);
    at.put("Instant.MAX", Instant.MAX);
    return at;
  }

  @TestFactory
  Stream<DynamicTest> writes_updatedAtAnywhereInTheRange_roundTripsExactly() {
    return forEachWriteMethod(
        "round-trips an updatedAt anywhere in the range exactly", this::assertEachRoundTrips);
  }

  @TestFactory
  Stream<DynamicTest> writes_updatedAtOutsideTheRange_throwInvalidRecordAndChangeNothing() {
    return forEachWriteMethod(
        "rejects an updatedAt outside the range and changes nothing",
        this::assertRejectedAndNothingChanged);
  }

  /** One dynamic test per write method: "{@code method} {@code rule}", checked by {@code check}. */
  private static Stream<DynamicTest> forEachWriteMethod(String rule, Consumer<WriteMethod> check) {
    return StoreMethods.WRITE_METHODS.stream()
        .map(m -> dynamicTest(m.name() + " " + rule, () -> check.accept(m)));
  }

  /**
   * Writes a record with each instant of {@link #inRange()}, one write per instant, and checks that
   * it loads back with exactly that updatedAt, by slot, by event id and in a listing. Fails with
   * every instant that did not round-trip.
   */
  private void assertEachRoundTrips(WriteMethod m) {
    Quadruple q = ALICE.run("r." + m.name());
    List<StateRecord> before = snapshot();
    List<StateRecord> expected = new ArrayList<>(before);
    List<Throwable> failures = new ArrayList<>();
    inRange()
        .forEach(
            (kind, at) -> {
              StateRecord r = record(q, kind, kind).withUpdatedAt(at);
              // Where the method takes several records, the other one is stamped by the clock.
              StateRecord companion = record(q, kind + ".stamped", "stamped by the clock");
              try {
                m.call().write(store(), r, absent(r), companion);
                assertThat(store().load(q, kind).updatedAt())
                    .as("updatedAt after load")
                    .isEqualTo(at);
                List<StateRecord> written =
                    m.writesCompanion() ? List.of(r, companion) : List.of(r);
                for (StateRecord w : written) {
                  assertHolds(stored(w));
                  expected.add(stored(w));
                }
              } catch (RuntimeException | AssertionError e) {
                failures.add(new AssertionError(m.name() + " with updatedAt " + at + ": " + e, e));
              }
            });
    Race.failOn(m.name() + " of updatedAt across the range", failures);
    assertThat(snapshot())
        .as("%s: every record", m.name())
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  /**
   * For every instant outside the range, a write of a record at a new slot and of the next
   * generation of a live record is an {@code InvalidRecordException}, and nothing changes.
   */
  private void assertRejectedAndNothingChanged(WriteMethod m) {
    Quadruple q = ALICE.run("r." + m.name());
    StateRecord live = save(record(q, "k.at.live", "live"));
    List<StateRecord> before = snapshot();
    outOfRange()
        .forEach(
            (label, at) -> {
              StateRecord fresh = record(q, "k.at.fresh", "fresh");
              StateRecord newSlot = record(q, "k.at.new", "new").withUpdatedAt(at);
              StateRecord overwrite = nextGeneration(live, "overwrite").withUpdatedAt(at);
              assertRejected(
                  m.name() + " at a new slot, updatedAt " + label,
                  InvalidRecordException.class,
                  () -> m.call().write(store(), newSlot, absent(newSlot), fresh));
              assertRejected(
                  m.name() + " over a live record, updatedAt " + label,
                  InvalidRecordException.class,
                  () -> m.call().write(store(), overwrite, exact(live), fresh));
              assertUnknown(newSlot.id());
              assertUnknown(overwrite.id());
              assertUnknown(fresh.id());
            });
    assertThat(snapshot())
        .as("%s: store content after the rejected writes", m.name())
        .isEqualTo(before);
    assertHolds(live);
  }
}
