package dev.harbor.state.spi;

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
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StoreClosedException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoreGuardTest {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "");
  private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.123456789Z");
  private final StoreGuard guard = new StoreGuard("test", 8, Clock.fixed(NOW, ZoneOffset.UTC));

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  private static StateRecord rec(Quadruple q, String kind, String id, int size) {
    return StateRecord.of(EventId.of(id), q, kind, new byte[size]);
  }

  @Test
  void order_closedBeforeInterruptedBeforeIdentityBeforeTheRest() {
    StateRecord bad = rec(new Quadruple("", "", "", ""), "", "", 100);
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> guard.save(bad)).isInstanceOf(OperationCancelledException.class);
    assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag stays set").isTrue();
    guard.markClosed();
    assertThatThrownBy(() -> guard.save(bad)).isInstanceOf(StoreClosedException.class);
    Thread.interrupted();
    StoreGuard open = new StoreGuard("test", 8, Clock.systemUTC());
    assertThatThrownBy(() -> open.save(bad)).isInstanceOf(IdentityRequiredException.class);
    assertThatThrownBy(() -> open.save(rec(Q, "", "", 100)))
        .isInstanceOf(InvalidRecordException.class);
  }

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
      assertThatCode(() -> guard.save(at)).as("%s", ok).doesNotThrowAnyException();
      assertThat(guard.stamp(at).updatedAt()).isEqualTo(ok.truncatedTo(ChronoUnit.MICROS));
    }
    for (Instant bad :
        List.of(
            StateRecord.MIN_UPDATED_AT.minusNanos(1),
            StateRecord.MAX_UPDATED_AT.plusNanos(1000),
            Instant.MIN,
            Instant.MAX)) {
      StateRecord at = r.withUpdatedAt(bad);
      assertThatThrownBy(() -> guard.save(at))
          .as("%s", bad)
          .isInstanceOf(InvalidRecordException.class)
          .hasMessageContaining("updatedAt");
      assertThatThrownBy(() -> guard.saveAll(List.of(at)))
          .isInstanceOf(InvalidRecordException.class);
      assertThatThrownBy(() -> guard.saveIf(List.of(SlotExpectation.absent(Q, "k")), at))
          .isInstanceOf(InvalidRecordException.class);
    }
    StoreGuard farClock =
        new StoreGuard(
            "test", 8, Clock.fixed(Instant.parse("-5000-01-01T00:00:00Z"), ZoneOffset.UTC));
    assertThatThrownBy(() -> farClock.stamp(r)).isInstanceOf(InvalidRecordException.class);
  }

  @Test
  void identity_eachComponentRequired_runMayBeEmpty() {
    for (Quadruple q :
        List.of(
            new Quadruple("", "u", "s", ""),
            new Quadruple("t", "", "s", ""),
            new Quadruple("t", "u", "", ""))) {
      assertThatThrownBy(() -> guard.slot(q, "k")).isInstanceOf(IdentityRequiredException.class);
      assertThatThrownBy(() -> guard.deleteScope(q.identity()))
          .isInstanceOf(IdentityRequiredException.class);
    }
    assertThatThrownBy(() -> guard.deleteScope(null)).isInstanceOf(IdentityRequiredException.class);
    assertThatCode(() -> guard.slot(Q, "k")).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\u0000b", "\uD800", "x\uDC00", "\uD83D", "tail\uD83D"})
  void badStrings_areRejectedInEveryPosition(String bad) {
    assertThatThrownBy(() -> guard.slot(new Quadruple(bad, "u", "s", ""), "k"))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.slot(new Quadruple("t", "u", "s", bad), "k"))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.slot(Q, bad)).isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.eventId(EventId.of(bad)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.listKind(ListScope.MAINTENANCE, bad))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.scan(ListScope.MAINTENANCE, bad, "k", 1, ""))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> guard.scan(ListScope.MAINTENANCE, "t", bad, 1, ""))
        .isInstanceOf(InvalidScanException.class);
  }

  @Test
  void length_256Utf8BytesAccepted_257Rejected() {
    assertThatCode(() -> guard.slot(Q, "a".repeat(256))).doesNotThrowAnyException();
    assertThatCode(() -> guard.slot(Q, "\u00E9".repeat(128))).doesNotThrowAnyException();
    assertThatCode(() -> guard.slot(Q, "\uD83D\uDE00".repeat(64))).doesNotThrowAnyException();
    assertThatThrownBy(() -> guard.slot(Q, "a".repeat(257)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.slot(Q, "a" + "\u00E9".repeat(128)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.slot(Q, "\u20AC".repeat(86)))
        .isInstanceOf(InvalidRecordException.class);
  }

  @Test
  void payloadLimit() {
    assertThatCode(() -> guard.save(rec(Q, "k", "e", 8))).doesNotThrowAnyException();
    assertThatThrownBy(() -> guard.save(rec(Q, "k", "e", 9)))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("maxPayloadBytes");
  }

  @Test
  void saveAll_rejectsDuplicateSlotsAndIds_andNullElements() {
    assertThatThrownBy(() -> guard.saveAll(List.of(rec(Q, "k", "a", 0), rec(Q, "k", "b", 0))))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.saveAll(List.of(rec(Q, "k", "a", 0), rec(Q, "k2", "a", 0))))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.saveAll(Arrays.asList(rec(Q, "k", "a", 0), null)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> guard.saveAll(null)).isInstanceOf(NullPointerException.class);
    assertThatCode(() -> guard.saveAll(List.of())).doesNotThrowAnyException();
  }

  @Test
  void saveIf_shapes() {
    SlotExpectation k = SlotExpectation.absent(Q, "k");
    assertThatThrownBy(() -> guard.saveIf(List.of(), rec(Q, "k", "a", 0)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.saveIf(List.of(k, k), rec(Q, "k", "a", 0)))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.saveIf(List.of(k), rec(Q, "other", "a", 0)))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("no expectation");
    assertThatThrownBy(() -> guard.saveIf(List.of(k), null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(
            () ->
                guard.saveIf(
                    List.of(SlotExpectation.absent(new Quadruple("t", "", "s", ""), "x"), k),
                    rec(Q, "k", "a", 0)))
        .isInstanceOf(IdentityRequiredException.class);
    assertThatCode(
            () ->
                guard.saveIf(
                    List.of(k, SlotExpectation.exact(Q, "j", EventId.of("x"))),
                    rec(Q, "k", "a", 0)))
        .doesNotThrowAnyException();
  }

  @Test
  void saveBatchIf_shapes() {
    SlotExpectation k = SlotExpectation.absent(Q, "k");
    SlotExpectation j = SlotExpectation.absent(Q, "j");
    assertThatThrownBy(() -> guard.saveBatchIf(List.of(k), List.of()))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(
            () ->
                guard.saveBatchIf(List.of(k, j), List.of(rec(Q, "k", "a", 0), rec(Q, "j", "a", 0))))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(
            () ->
                guard.saveBatchIf(List.of(k, j), List.of(rec(Q, "k", "a", 0), rec(Q, "k", "b", 0))))
        .isInstanceOf(InvalidRecordException.class);
    assertThatCode(
            () ->
                guard.saveBatchIf(List.of(k, j), List.of(rec(Q, "k", "a", 0), rec(Q, "j", "b", 0))))
        .doesNotThrowAnyException();
  }

  @Test
  void deleteIfAndFenceIf_needAnExactExpectation_andFenceAnAction() {
    assertThatThrownBy(() -> guard.deleteIf(SlotExpectation.absent(Q, "k")))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.fenceIf(SlotExpectation.absent(Q, "k"), () -> {}))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.fenceIf(SlotExpectation.exact(Q, "k", EventId.of("a")), null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> guard.deleteIf(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void listing_needsMaintenanceForCrossIdentity_andValidLimits() {
    assertThatThrownBy(() -> guard.listKind(ListScope.NONE, "k"))
        .isInstanceOf(MaintenanceScopeRequiredException.class);
    assertThatThrownBy(() -> guard.listKind(null, "k"))
        .isInstanceOf(MaintenanceScopeRequiredException.class);
    assertThatThrownBy(() -> guard.listKind(ListScope.MAINTENANCE, ""))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.listKind(ListScope.MAINTENANCE, "k", 0))
        .isInstanceOf(InvalidRecordException.class);
    assertThatThrownBy(() -> guard.listKind(ListScope.MAINTENANCE, "k", 10_002))
        .isInstanceOf(InvalidRecordException.class);
    assertThatCode(() -> guard.listKind(ListScope.MAINTENANCE, "k", 10_001))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> guard.listKindForIdentity(Q, "k", 1001))
        .isInstanceOf(InvalidRecordException.class);
    assertThatCode(() -> guard.listKindForIdentity(Q, "k", 1000)).doesNotThrowAnyException();
  }

  @Test
  void scan_checksScopeThenTenantPrefixLimitAndContinuation() {
    assertThatThrownBy(() -> guard.scan(ListScope.NONE, "", "", 0, "x"))
        .isInstanceOf(MaintenanceScopeRequiredException.class);
    assertThatThrownBy(() -> guard.scan(ListScope.MAINTENANCE, "", "k", 1, ""))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> guard.scan(ListScope.MAINTENANCE, "t", "", 1, ""))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> guard.scan(ListScope.MAINTENANCE, "t", "k", 0, ""))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> guard.scan(ListScope.MAINTENANCE, "t", "k", 257, ""))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> guard.scan(ListScope.MAINTENANCE, "t", "k", 256, "%%%"))
        .isInstanceOf(InvalidScanException.class);
    assertThat(guard.scan(ListScope.MAINTENANCE, "t", "k", 256, "")).isEmpty();
  }

  @Test
  void stamp_usesTheClockForNull_andTruncatesToMicros() {
    StateRecord r = rec(Q, "k", "a", 0);
    assertThat(guard.stamp(r).updatedAt()).isEqualTo(Instant.parse("2030-01-02T03:04:05.123456Z"));
    assertThat(
            guard
                .stamp(r.withUpdatedAt(Instant.parse("2001-01-01T00:00:00.999999999Z")))
                .updatedAt())
        .isEqualTo(Instant.parse("2001-01-01T00:00:00.999999Z"));
  }

  @Test
  void markClosed_reportsTheFirstCallOnly() {
    assertThat(guard.markClosed()).isTrue();
    assertThat(guard.markClosed()).isFalse();
    assertThat(guard.isClosed()).isTrue();
    assertThatThrownBy(() -> guard.eventId(EventId.of("x")))
        .isInstanceOf(StoreClosedException.class);
  }

  @Test
  void identityScopedHelpers() {
    assertThat(new Identity("t", "u", "s").sessionScoped()).isEqualTo(Q);
  }

  @Test
  void contractMessages_nameTheCallersSlotOnly() {
    StateRecord r = rec(Q, "k", "e1", 0);
    assertThat(StoreGuard.idempotencyConflict(r, false).getMessage())
        .contains("e1")
        .contains("another slot than (t, u, s, , k)");
    assertThat(StoreGuard.idempotencyConflict(r, true).getMessage())
        .contains("at (t, u, s, , k) with other bytes or version");
    assertThat(StoreGuard.conditionFailed(SlotExpectation.absent(Q, "k"), "e9").getMessage())
        .contains("to be absent but it holds event id e9");
    assertThat(
            StoreGuard.conditionFailed(SlotExpectation.exact(Q, "k", EventId.of("e1")), null)
                .getMessage())
        .contains("to be event id e1;");
  }
}
