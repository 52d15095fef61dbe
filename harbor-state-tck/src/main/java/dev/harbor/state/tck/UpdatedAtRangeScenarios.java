package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The range of {@code updatedAt} (SPEC 3.3, {@link StateRecord#MIN_UPDATED_AT} to {@link
 * StateRecord#MAX_UPDATED_AT}): every instant inside it round-trips exactly through every write
 * method, every instant outside it is an {@code InvalidRecordException} that changes nothing. Run
 * by the {@code @Nested} group {@code StateStoreTck.UpdatedAtRange}, which hands over the kit.
 */
abstract class UpdatedAtRangeScenarios {

  private final Quadruple q = ALICE.run("r");

  /**
   * The running kit, for its store under test and its helpers.
   *
   * @return the enclosing {@link StateStoreTck}
   */
  abstract StateStoreTck kit();

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

  /**
   * Writes a record with each instant of {@link #inRange()}, one {@code write} per instant, and
   * checks that it loads back with exactly that updatedAt, by slot, by event id and in a listing.
   * Fails with every instant that did not round-trip.
   *
   * @param write writes the record it is given and returns every record it wrote
   */
  private void assertEachRoundTrips(String method, Function<StateRecord, List<StateRecord>> write) {
    StateStore store = kit().store();
    List<StateRecord> expected = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    inRange()
        .forEach(
            (kind, at) -> {
              StateRecord r = record(q, kind, kind).withUpdatedAt(at);
              try {
                List<StateRecord> written = write.apply(r);
                assertThat(store.load(q, kind).updatedAt())
                    .as("updatedAt after load")
                    .isEqualTo(at);
                for (StateRecord w : written) {
                  kit().assertHolds(kit().stored(w));
                  expected.add(kit().stored(w));
                }
              } catch (RuntimeException | AssertionError e) {
                failures.add(new AssertionError(method + " with updatedAt " + at + ": " + e, e));
              }
            });
    Kit.failOn(method + " of updatedAt across the range", failures);
    assertThat(kit().snapshot())
        .as("%s: every record", method)
        .containsExactlyInAnyOrderElementsOf(expected);
  }

  /** A batch of {@code r} and, so that it holds more than one record, one the clock stamps. */
  private List<StateRecord> withStamped(StateRecord r) {
    return List.of(r, record(q, r.kind() + ".stamped", "stamped by the clock"));
  }

  @Test
  void save_updatedAtAnywhereInTheRange_roundTripsExactly() {
    assertEachRoundTrips(
        "save",
        r -> {
          kit().store().save(r);
          return List.of(r);
        });
  }

  @Test
  void saveAll_updatedAtAnywhereInTheRange_roundTripsExactly() {
    assertEachRoundTrips(
        "saveAll",
        r -> {
          List<StateRecord> batch = withStamped(r);
          kit().store().saveAll(batch);
          return batch;
        });
  }

  @Test
  void saveIf_updatedAtAnywhereInTheRange_roundTripsExactly() {
    assertEachRoundTrips(
        "saveIf",
        r -> {
          kit().store().saveIf(List.of(absent(r)), r);
          return List.of(r);
        });
  }

  @Test
  void saveBatchIf_updatedAtAnywhereInTheRange_roundTripsExactly() {
    assertEachRoundTrips(
        "saveBatchIf",
        r -> {
          List<StateRecord> batch = withStamped(r);
          kit().store().saveBatchIf(batch.stream().map(Kit::absent).toList(), batch);
          return batch;
        });
  }

  /**
   * One write method under test: writes {@code bad} under {@code expected} (where the method takes
   * expectations) beside the valid new record {@code fresh} (where it takes several records).
   */
  @FunctionalInterface
  private interface Write {
    void write(StateRecord bad, SlotExpectation expected, StateRecord fresh);
  }

  /**
   * For every instant outside the range, {@code write} of a record at a new slot and of the next
   * generation of a live record is an {@code InvalidRecordException}, and nothing changes.
   */
  private void assertRejectedAndNothingChanged(String method, Write write) {
    StateRecord live = kit().save(record(q, "k.at.live", "live"));
    List<StateRecord> before = kit().snapshot();
    outOfRange()
        .forEach(
            (label, at) -> {
              StateRecord fresh = record(q, "k.at.fresh", "fresh");
              StateRecord newSlot = record(q, "k.at.new", "new").withUpdatedAt(at);
              StateRecord overwrite = nextGeneration(live, "overwrite").withUpdatedAt(at);
              assertRejected(
                  method + " at a new slot, updatedAt " + label,
                  InvalidRecordException.class,
                  () -> write.write(newSlot, absent(newSlot), fresh));
              assertRejected(
                  method + " over a live record, updatedAt " + label,
                  InvalidRecordException.class,
                  () -> write.write(overwrite, exact(live), fresh));
              kit().assertUnknown(newSlot.id());
              kit().assertUnknown(overwrite.id());
              kit().assertUnknown(fresh.id());
            });
    assertThat(kit().snapshot())
        .as("%s: store content after the rejected writes", method)
        .isEqualTo(before);
    kit().assertHolds(live);
  }

  @Test
  void save_updatedAtOutsideTheRange_throwsInvalidRecordAndChangesNothing() {
    assertRejectedAndNothingChanged("save", (bad, expected, fresh) -> kit().store().save(bad));
  }

  @Test
  void saveAll_updatedAtOutsideTheRange_throwsInvalidRecordAndChangesNothing() {
    assertRejectedAndNothingChanged(
        "saveAll", (bad, expected, fresh) -> kit().store().saveAll(List.of(fresh, bad)));
  }

  @Test
  void saveIf_updatedAtOutsideTheRange_throwsInvalidRecordAndChangesNothing() {
    assertRejectedAndNothingChanged(
        "saveIf", (bad, expected, fresh) -> kit().store().saveIf(List.of(expected), bad));
  }

  @Test
  void saveBatchIf_updatedAtOutsideTheRange_throwsInvalidRecordAndChangesNothing() {
    assertRejectedAndNothingChanged(
        "saveBatchIf",
        (bad, expected, fresh) ->
            kit().store().saveBatchIf(List.of(absent(fresh), expected), List.of(fresh, bad)));
  }
}
