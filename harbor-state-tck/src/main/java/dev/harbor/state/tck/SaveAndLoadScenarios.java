package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Save and load (CONTRACT.md 5, save/load):
 *
 * <ul>
 *   <li>a saved record loads back with the same id, slot, version, bytes and updatedAt (by slot and
 *       by event id);
 *   <li>null and zero-length bytes are the same content (a replay of one by the other is a no-op);
 *   <li>an explicit updatedAt round-trips truncated to microseconds (also before 1970);
 *   <li>a null updatedAt is stamped from the store's clock, truncated to microseconds;
 *   <li>the array passed to a save and the array returned by a load are not aliased with stored
 *       state.
 * </ul>
 */
abstract class SaveAndLoadScenarios extends Scenarios {

  SaveAndLoadScenarios(StateStoreTck kit) {
    super(kit);
  }

  @Test
  void save_thenLoad_roundTripsIdSlotVersionBytesAndUpdatedAt() {
    Quadruple q = ALICE.run("run-1");
    StateRecord r =
        StateRecord.builder()
            .id(EventId.newId())
            .identity(q)
            .kind("k.task.checkpoint")
            .version(42)
            .bytes(new byte[] {0, 1, 2, (byte) 0xFF, 0})
            .updatedAt(Instant.parse("2029-05-06T07:08:09.123456Z"))
            .build();
    store().save(r);

    StateRecord loaded = store().load(q, "k.task.checkpoint");
    assertThat(loaded.id()).isEqualTo(r.id());
    assertThat(loaded.identity()).isEqualTo(q);
    assertThat(loaded.kind()).isEqualTo("k.task.checkpoint");
    assertThat(loaded.version()).isEqualTo(42);
    assertThat(loaded.bytes()).containsExactly(0, 1, 2, 0xFF, 0);
    assertThat(loaded.updatedAt()).isEqualTo(Instant.parse("2029-05-06T07:08:09.123456Z"));
    assertThat(loaded).isEqualTo(r);
    assertThat(store().loadByEventId(r.id())).isEqualTo(r);
    assertHolds(r);
  }

  @Test
  void save_nullAndZeroLengthBytes_areTheSameContent() {
    Quadruple q = ALICE.run("r");
    StateRecord withNull = StateRecord.of(EventId.newId(), q, "k.null", null);
    StateRecord withEmpty = StateRecord.of(withNull.id(), q, "k.null", new byte[0]);
    StateRecord expected = save(withNull);

    assertThatCode(() -> store().save(withEmpty))
        .as("replaying null bytes as zero-length bytes")
        .doesNotThrowAnyException();
    StateRecord loaded = store().load(q, "k.null");
    assertThat(loaded.bytes()).isEmpty();
    assertThat(loaded).isEqualTo(expected).isEqualTo(stored(withEmpty));

    StateRecord emptyFirst = StateRecord.of(EventId.newId(), q, "k.empty", new byte[0]);
    StateRecord expectedEmpty = save(emptyFirst);
    assertThatCode(() -> store().save(StateRecord.of(emptyFirst.id(), q, "k.empty", null)))
        .as("replaying zero-length bytes as null bytes")
        .doesNotThrowAnyException();
    assertHolds(expectedEmpty);
  }

  @Test
  void save_explicitUpdatedAt_roundTripsAtMicrosecondPrecision() {
    Map<String, Instant> instants = new LinkedHashMap<>();
    instants.put("k.nanos", Instant.parse("2031-02-03T04:05:06.987654321Z"));
    instants.put("k.micros", Instant.parse("2031-02-03T04:05:06.000001Z"));
    instants.put("k.second", Instant.parse("2031-02-03T04:05:06Z"));
    instants.put("k.before1970", Instant.parse("1969-12-31T23:59:59.999999999Z"));
    instants.forEach(
        (kind, at) -> store().save(record(ALICE.run("r"), kind, kind).withUpdatedAt(at)));

    assertThat(store().load(ALICE.run("r"), "k.nanos").updatedAt())
        .isEqualTo(Instant.parse("2031-02-03T04:05:06.987654Z"));
    assertThat(store().load(ALICE.run("r"), "k.micros").updatedAt())
        .isEqualTo(Instant.parse("2031-02-03T04:05:06.000001Z"));
    assertThat(store().load(ALICE.run("r"), "k.second").updatedAt())
        .isEqualTo(Instant.parse("2031-02-03T04:05:06Z"));
    assertThat(store().load(ALICE.run("r"), "k.before1970").updatedAt())
        .isEqualTo(Instant.parse("1969-12-31T23:59:59.999999Z"));
  }

  @Test
  void save_nullUpdatedAt_isStampedFromStoreClock() {
    setClock(Instant.parse("2033-03-04T03:04:05.123456789Z"));
    StateRecord r = record(ALICE.run("r"), "k.stamped", "v");
    store().save(r);

    StateRecord loaded = store().load(r.identity(), r.kind());
    assertThat(loaded.updatedAt()).isEqualTo(Instant.parse("2033-03-04T03:04:05.123456Z"));
    assertThat(store().loadByEventId(r.id()).updatedAt())
        .isEqualTo(Instant.parse("2033-03-04T03:04:05.123456Z"));
  }

  @Test
  void save_passedArray_isNotAliased() {
    byte[] passed = {1, 2, 3};
    StateRecord r = StateRecord.of(EventId.newId(), ALICE.run("r"), "k.alias", passed);
    passed[0] = 9;
    store().save(r);
    passed[1] = 9;

    assertThat(store().load(r.identity(), r.kind()).bytes()).containsExactly(1, 2, 3);
  }

  @Test
  void load_returnedArray_isNotAliased() {
    StateRecord r =
        save(StateRecord.of(EventId.newId(), ALICE.run("r"), "k.alias", new byte[] {1, 2, 3}));
    byte[] got = store().load(r.identity(), r.kind()).bytes();
    got[0] = 9;
    byte[] byId = store().loadByEventId(r.id()).bytes();
    byId[1] = 9;
    byte[] listed = store().listKindForIdentity(r.identity(), "k").get(0).bytes();
    listed[2] = 9;

    assertThat(store().load(r.identity(), r.kind()).bytes()).containsExactly(1, 2, 3);
    assertHolds(r);
  }
}
