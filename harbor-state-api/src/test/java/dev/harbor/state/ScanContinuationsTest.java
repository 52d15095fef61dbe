package dev.harbor.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.ScanContinuations.Position;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScanContinuationsTest {

  private static final ListScope M = ListScope.MAINTENANCE;
  private static final Position POS = new Position("user", "session", "", "task.checkpoint");

  @Test
  void roundTrip_returnsThePosition() {
    String c = ScanContinuations.encode(M, "tenant", "task.", POS);
    assertThat(ScanContinuations.decode(M, "tenant", "task.", c)).contains(POS);
    assertThat(c).matches("[A-Za-z0-9_-]+");
  }

  @Test
  void roundTrip_keepsMultibyteAndEmptyRunsAndKindEqualToPrefix() {
    Position p = new Position("\u00E9", "s\uD83D\uDE00", "", "k");
    String c = ScanContinuations.encode(M, "t", "k", p);
    assertThat(ScanContinuations.decode(M, "t", "k", c)).contains(p);
  }

  @Test
  void encode_isDeterministic() {
    assertThat(
            ScanContinuations.encode(
                M, "t", "k", POS.equals(POS) ? new Position("u", "s", "r", "k1") : POS))
        .isEqualTo(ScanContinuations.encode(M, "t", "k", new Position("u", "s", "r", "k1")));
  }

  @Test
  void longestPossiblePosition_fitsInTheLimit() {
    // 64 four-byte characters = 256 UTF-8 bytes, the largest byte values UTF-8 uses.
    String max = "\uDBFF\uDFFF".repeat(64);
    Position p =
        new Position(max, max, max, "k" + "\uDBFF\uDFFF".repeat(63) + "\u07FF".repeat(1) + "x");
    assertThat(p.kind().getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .hasSizeLessThanOrEqualTo(256);
    String c = ScanContinuations.encode(M, max, "k", p);
    assertThat(c.length()).isLessThanOrEqualTo(ScanContinuations.MAX_LENGTH);
    assertThat(ScanContinuations.decode(M, max, "k", c)).contains(p);
  }

  @Test
  void emptyOrNullContinuation_meansTheFirstPage() {
    assertThat(ScanContinuations.decode(M, "t", "k", "")).isEqualTo(Optional.empty());
    assertThat(ScanContinuations.decode(M, "t", "k", null)).isEqualTo(Optional.empty());
  }

  @Test
  void otherTenantOrPrefix_isRejected() {
    String c = ScanContinuations.encode(M, "tenant", "task.", POS);
    assertThatThrownBy(() -> ScanContinuations.decode(M, "tenant2", "task.", c))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> ScanContinuations.decode(M, "tenant", "task", c))
        .isInstanceOf(InvalidScanException.class);
  }

  @Test
  void withoutMaintenanceClaim_isRejected() {
    String c = ScanContinuations.encode(M, "tenant", "task.", POS);
    assertThatThrownBy(() -> ScanContinuations.decode(ListScope.NONE, "tenant", "task.", c))
        .isInstanceOf(MaintenanceScopeRequiredException.class);
    assertThatThrownBy(() -> ScanContinuations.encode(null, "tenant", "task.", POS))
        .isInstanceOf(MaintenanceScopeRequiredException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"%%%", "e30", "AAAA", "AQ", "AQAAAAA", "====", "a b", "AQIDBAUG="})
  void garbage_isRejected(String garbage) {
    assertThatThrownBy(() -> ScanContinuations.decode(M, "t", "k", garbage))
        .isInstanceOf(InvalidScanException.class);
  }

  @Test
  void everySingleCharacterTampering_isRejected() {
    String c = ScanContinuations.encode(M, "tenant", "task.", POS);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < c.length(); i++) {
      for (char ch :
          new char[] {alphabet.charAt((alphabet.indexOf(c.charAt(i)) + 1) % 64), '+', '/', '='}) {
        String tampered = c.substring(0, i) + ch + c.substring(i + 1);
        if (!tampered.equals(c)) {
          assertThatThrownBy(() -> ScanContinuations.decode(M, "tenant", "task.", tampered))
              .as("tampered at %d", i)
              .isInstanceOf(InvalidScanException.class);
        }
      }
    }
    assertThatThrownBy(() -> ScanContinuations.decode(M, "tenant", "task.", c + "A"))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> ScanContinuations.decode(M, "tenant", "task.", c.substring(1)))
        .isInstanceOf(InvalidScanException.class);
  }

  @Test
  void tooLong_isRejected() {
    String longOne = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[1100]);
    assertThat(longOne.length()).isGreaterThan(ScanContinuations.MAX_LENGTH);
    assertThatThrownBy(() -> ScanContinuations.decode(M, "t", "k", longOne))
        .isInstanceOf(InvalidScanException.class)
        .hasMessageContaining("longer");
  }

  @Test
  void positionWhoseKindLacksThePrefix_cannotBeEncoded() {
    assertThatThrownBy(() -> ScanContinuations.encode(M, "t", "other.", POS))
        .isInstanceOf(InvalidScanException.class);
  }

  @Test
  void page_ofAtMostLimitRows_isLast_andOfMoreRows_continuesAfterTheLastKeptRow() {
    Quadruple q = new Quadruple("t", "u", "s", "");
    StateRecord a = StateRecord.of(EventId.of("1"), q, "k.a", null);
    StateRecord b = StateRecord.of(EventId.of("2"), q, "k.b", null);
    assertThat(ScanContinuations.page(M, "t", "k.", 2, List.of(a, b)).isLast()).isTrue();
    ScanPage page = ScanContinuations.page(M, "t", "k.", 1, List.of(a, b));
    assertThat(page.records()).containsExactly(a);
    assertThat(ScanContinuations.decode(M, "t", "k.", page.continuation()))
        .contains(new Position("u", "s", "", "k.a"));
  }

  @Test
  void scanAll_roundTrip_andLongestPositionFits() {
    String max = "\uDBFF\uDFFF".repeat(64);
    StateRecord last = StateRecord.of(null, new Quadruple(max, max, max, max), max, null);
    String c = ScanContinuations.encodeAll(M, last);
    assertThat(c.length()).isLessThanOrEqualTo(ScanContinuations.MAX_ALL_LENGTH);
    StateRecord decoded = ScanContinuations.decodeAll(M, c).orElseThrow();
    assertThat(decoded.identity()).isEqualTo(last.identity());
    assertThat(decoded.kind()).isEqualTo(max);
    StateRecord small = StateRecord.of(null, new Quadruple("t", "u", "s", ""), "k", null);
    assertThat(
            ScanContinuations.decodeAll(M, ScanContinuations.encodeAll(M, small))
                .orElseThrow()
                .identity())
        .isEqualTo(small.identity());
  }

  @Test
  void scanAll_andTenantScanContinuations_areNotInterchangeable() {
    String tenantScan = ScanContinuations.encode(M, "t", "k", new Position("u", "s", "", "k"));
    String all =
        ScanContinuations.encodeAll(
            M, StateRecord.of(null, new Quadruple("t", "u", "s", ""), "k", null));
    assertThatThrownBy(() -> ScanContinuations.decodeAll(M, tenantScan))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> ScanContinuations.decode(M, "t", "k", all))
        .isInstanceOf(InvalidScanException.class);
    assertThatThrownBy(() -> ScanContinuations.decodeAll(ListScope.NONE, all))
        .isInstanceOf(MaintenanceScopeRequiredException.class);
    assertThat(ScanContinuations.decodeAll(M, "")).isEmpty();
  }
}
