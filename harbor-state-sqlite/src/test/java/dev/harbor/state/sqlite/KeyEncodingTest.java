package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The prefix bound and the timestamp encoding, without a database. */
class KeyEncodingTest {

  private static final String MAX = new String(Character.toChars(Character.MAX_CODE_POINT));

  @Test
  void successor_incrementsTheLastCodePoint() {
    assertThat(SqliteStore.successor("a")).isEqualTo("b");
    assertThat(SqliteStore.successor("a%")).isEqualTo("a&");
    assertThat(SqliteStore.successor("k\u007F")).isEqualTo("k\u0080");
    assertThat(SqliteStore.successor("k\uD7FF")).isEqualTo("k\uE000"); // skips the surrogate range
    assertThat(SqliteStore.successor("k\uFFFF"))
        .isEqualTo("k" + new String(Character.toChars(0x10000)));
    assertThat(SqliteStore.successor("k" + MAX)).isEqualTo("l");
    assertThat(SqliteStore.successor(MAX + MAX)).isNull();
  }

  @Test
  void successor_boundsExactlyTheStringsWithThePrefix_inUtf8ByteOrder() {
    List<String> prefixes = List.of("a", "é", "\u07FF", "\uFFFF", "k" + MAX, "x\uD7FF");
    List<String> tails = List.of("", "\u0000x", "z", "\u007F", "\u0080", "\uFFFF", MAX, MAX + MAX);
    for (String prefix : prefixes) {
      String upper = SqliteStore.successor(prefix);
      for (String tail : tails) {
        String s = prefix + tail;
        assertThat(compareUtf8(s, upper)).as("%s < successor", s).isNegative();
        assertThat(compareUtf8(s, prefix)).isNotNegative();
      }
    }
  }

  private static int compareUtf8(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void micros_roundTripBothSidesOfTheEpoch() {
    for (String at :
        List.of(
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999Z",
            "0001-01-01T00:00:00.000001Z",
            "2030-01-02T03:04:05.123456Z",
            "+200000-01-01T00:00:00Z",
            "-200000-01-01T00:00:00.5Z")) {
      Instant instant = Instant.parse(at);
      assertThat(SqliteStore.instant(SqliteStore.micros(instant))).isEqualTo(instant);
    }
  }
}
