package dev.harbor.state.spi;

import static dev.harbor.state.spi.SpiFixtures.CLOCK;
import static dev.harbor.state.spi.SpiFixtures.Q;
import static dev.harbor.state.spi.SpiFixtures.rec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.InvalidScanException;
import dev.harbor.state.ListScope;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChecksTest {

  private final Checks checks = new Checks(8);

  @Test
  void updatedAt_withinTheRangeEveryDriverStores_isAccepted_outsideIsInvalid() {
    StateRecord r = rec(Q, "k", "e", 1);
    for (Instant ok :
        List.of(
            StateRecord.MIN_UPDATED_AT,
            StateRecord.MAX_UPDATED_AT,
            StateRecord.MAX_UPDATED_AT.plusNanos(999), // truncated to MAX
            Instant.parse("0000-01-01T00:00:00Z"),
            Instant.parse("+10000-01-01T00:00:00Z"))) {
      StateRecord at = r.withUpdatedAt(ok);
      assertThatCode(() -> checks.save(at)).as("%s", ok).doesNotThrowAnyException();
      assertThat(Checks.stamp(at, CLOCK).updatedAt()).isEqualTo(ok.truncatedTo(ChronoUnit.MICROS));
    }
    for (Instant bad :
        List.of(
            StateRecord.MIN_UPDATED_AT.minusNanos(1),
            StateRecord.MAX_UPDATED_AT.plusNanos(1000),
            Instant.MIN,
            Instant.MAX)) {
      StateRecord at = r.withUpdatedAt(bad);
      assertThatThrownBy(() -> checks.save(at))
          .as("%s", bad)
          .isInstanceOf(InvalidRecordException.class)
          .hasMessageContaining("updatedAt");
      assertThatThrownBy(() -> checks.saveAll(List.of(at)))
          .isInstanceOf(InvalidRecordException.class);
      assertThatThrownBy(() -> checks.saveIf(List.of(SlotExpectation.absent(Q, "k")), at))
          .isInstanceOf(InvalidRecordException.class);
    }
    Clock farClock = Clock.fixed(Instant.parse("-5000-01-01T00:00:00Z"), ZoneOffset.UTC);
    assertThatThrownBy(() -> Checks.stamp(r, farClock)).isInstanceOf(InvalidRecordException.class);
  }

  @Test
  void identity_eachComponentRequired_runMayBeEmpty() {
    for (Quadruple q :
        List.of(
            new Quadruple("", "u", "s", ""),
            new Quadruple("t", "", "s", ""),
            new Quadruple("t", "u", "", ""))) {
      assertThatThrownBy(() -> checks.slot(q, "k")).isInstanceOf(IdentityRequiredException.class);
      assertThatThrownBy(() -> checks.deleteScope(q.identity()))
          .isInstanceOf(IdentityRequiredException.class);
    }
    assertThatThrownBy(() -> checks.deleteScope(null))
        .isInstanceOf(IdentityRequiredException.class);
    assertThatCode(() -> checks.slot(Q, "k")).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\u0000b", "\uD800", "x\uDC00", "\uD83D", "tail\uD83D"})
  void badStrings_areRejectedInEveryPosition(String bad) {
    assertThatThrownBy(() -> checks.slot(new Quadruple(bad, "u", "s", ""), "k"))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.slot(new Quadruple("t", "u", "s", bad), "k"))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.slot(Q, bad)).isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.eventId(EventId.of(bad)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.eventId("findByEventId", "t", EventId.of(bad)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.eventId("findByEventId", bad, EventId.of("e")))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.listKind(ListScope.MAINTENANCE, bad))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.scan(ListScope.MAINTENANCE, bad, "k", 1, ""))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> checks.scan(ListScope.MAINTENANCE, "t", bad, 1, ""))
        .isInstanceOf(InvalidScanException.class);
  }

  @Test
  void length_256Utf8BytesAccepted_257Rejected() {
    assertThatCode(() -> checks.slot(Q, "a".repeat(256))).doesNotThrowAnyException();
    assertThatCode(() -> checks.slot(Q, "\u00E9".repeat(128))).doesNotThrowAnyException();
    assertThatCode(() -> checks.slot(Q, "\uD83D\uDE00".repeat(64))).doesNotThrowAnyException();
    assertThatThrownBy(() -> checks.slot(Q, "a".repeat(257)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.slot(Q, "a" + "\u00E9".repeat(128)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.slot(Q, "\u20AC".repeat(86)))
        .isInstanceOf(InvalidRecordException.class);
  }

  @Test
  void payloadLimit() {
    assertThatCode(() -> checks.save(rec(Q, "k", "e", 8))).doesNotThrowAnyException();
    assertThatThrownBy(() -> checks.save(rec(Q, "k", "e", 9)))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("maxPayloadBytes");
  }

  @Test
  void saveAll_rejectsDuplicateSlotsAndIds_andNullElements() {
    assertThatThrownBy(() -> checks.saveAll(List.of(rec(Q, "k", "a", 0), rec(Q, "k", "b", 0))))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.saveAll(List.of(rec(Q, "k", "a", 0), rec(Q, "k2", "a", 0))))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.saveAll(Arrays.asList(rec(Q, "k", "a", 0), null)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> checks.saveAll(null)).isInstanceOf(NullPointerException.class);
    assertThatCode(() -> checks.saveAll(List.of())).doesNotThrowAnyException();
  }

  @Test
  void saveIf_shapes() {
    SlotExpectation k = SlotExpectation.absent(Q, "k");
    assertThatThrownBy(() -> checks.saveIf(List.of(), rec(Q, "k", "a", 0)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.saveIf(List.of(k, k), rec(Q, "k", "a", 0)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.saveIf(List.of(k), rec(Q, "other", "a", 0)))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("no expectation");
    assertThatThrownBy(() -> checks.saveIf(List.of(k), null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(
            () ->
                checks.saveIf(
                    List.of(SlotExpectation.absent(new Quadruple("t", "", "s", ""), "x"), k),
                    rec(Q, "k", "a", 0)))
        .isInstanceOf(IdentityRequiredException.class);
    assertThatCode(
            () ->
                checks.saveIf(
                    List.of(k, SlotExpectation.exact(Q, "j", EventId.of("x"))),
                    rec(Q, "k", "a", 0)))
        .doesNotThrowAnyException();
  }

  @Test
  void saveBatchIf_shapes() {
    SlotExpectation k = SlotExpectation.absent(Q, "k");
    SlotExpectation j = SlotExpectation.absent(Q, "j");
    assertThatThrownBy(() -> checks.saveBatchIf(List.of(k), List.of()))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(
            () ->
                checks.saveBatchIf(
                    List.of(k, j), List.of(rec(Q, "k", "a", 0), rec(Q, "j", "a", 0))))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(
            () ->
                checks.saveBatchIf(
                    List.of(k, j), List.of(rec(Q, "k", "a", 0), rec(Q, "k", "b", 0))))
        .isInstanceOf(InvalidRecordException.class);
    assertThatCode(
            () ->
                checks.saveBatchIf(
                    List.of(k, j), List.of(rec(Q, "k", "a", 0), rec(Q, "j", "b", 0))))
        .doesNotThrowAnyException();
  }

  @Test
  void deleteIfAndFenceIf_needAnExactExpectation_andFenceAnAction() {
    assertThatThrownBy(() -> checks.deleteIf(SlotExpectation.absent(Q, "k")))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.fenceIf(SlotExpectation.absent(Q, "k"), () -> {}))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.fenceIf(SlotExpectation.exact(Q, "k", EventId.of("a")), null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> checks.deleteIf(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void listing_needsMaintenanceForCrossIdentity_andValidLimits() {
    assertThatThrownBy(() -> checks.listKind(ListScope.NONE, "k"))
        .isInstanceOf(MaintenanceScopeRequiredException.class);
    assertThatThrownBy(() -> checks.listKind(null, "k"))
        .isInstanceOf(MaintenanceScopeRequiredException.class);
    assertThatThrownBy(() -> checks.listKind(ListScope.MAINTENANCE, ""))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.listKind(ListScope.MAINTENANCE, "k", 0))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> checks.listKind(ListScope.MAINTENANCE, "k", 10_002))
        .isInstanceOf(InvalidRecordException.class);
    assertThatCode(() -> checks.listKind(ListScope.MAINTENANCE, "k", 10_001))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> checks.listKindForIdentity(Q, "k", 1001))
        .isInstanceOf(InvalidRecordException.class);
    assertThatCode(() -> checks.listKindForIdentity(Q, "k", 1000)).doesNotThrowAnyException();
  }

  @Test
  void scan_checksScopeThenTenantPrefixLimitAndContinuation() {
    assertThatThrownBy(() -> checks.scan(ListScope.NONE, "", "", 0, "x"))
        .isInstanceOf(MaintenanceScopeRequiredException.class);
    assertThatThrownBy(() -> checks.scan(ListScope.MAINTENANCE, "", "k", 1, ""))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> checks.scan(ListScope.MAINTENANCE, "t", "", 1, ""))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> checks.scan(ListScope.MAINTENANCE, "t", "k", 0, ""))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> checks.scan(ListScope.MAINTENANCE, "t", "k", 257, ""))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> checks.scan(ListScope.MAINTENANCE, "t", "k", 256, "%%%"))
        .isInstanceOf(InvalidScanException.class);
    assertThat(checks.scan(ListScope.MAINTENANCE, "t", "k", 256, "")).isEmpty();
  }

  @Test
  void stamp_usesTheClockForNull_andTruncatesToMicros() {
    StateRecord r = rec(Q, "k", "a", 0);
    assertThat(Checks.stamp(r, CLOCK).updatedAt())
        .isEqualTo(Instant.parse("2030-01-02T03:04:05.123456Z"));
    assertThat(
            Checks.stamp(r.withUpdatedAt(Instant.parse("2001-01-01T00:00:00.999999999Z")), CLOCK)
                .updatedAt())
        .isEqualTo(Instant.parse("2001-01-01T00:00:00.999999Z"));
  }

  @Test
  void identityScopedHelpers() {
    assertThat(new Identity("t", "u", "s").sessionScoped()).isEqualTo(Q);
  }

  @Test
  void contractMessages_nameTheCallersSlotOnly() {
    StateRecord r = rec(Q, "k", "e1", 0);
    assertThat(StoreErrors.idempotencyConflict(r, false).getMessage())
        .contains("e1")
        .contains("another slot than (t, u, s, , k)");
    assertThat(StoreErrors.idempotencyConflict(r, true).getMessage())
        .contains("at (t, u, s, , k) with other bytes or version");
    assertThat(StoreErrors.conditionFailed(SlotExpectation.absent(Q, "k"), "e9").getMessage())
        .contains("to be absent but it holds event id e9");
    assertThat(
            StoreErrors.conditionFailed(SlotExpectation.exact(Q, "k", EventId.of("e1")), null)
                .getMessage())
        .contains("to be event id e1;");
  }
}
