package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The prefix range holds exactly the strings with the prefix, under UTF-8 byte order. */
class KindRangeTest {

  private static final String MAX = new String(Character.toChars(Character.MAX_CODE_POINT));

  @Test
  void upper_incrementsTheLastCodePoint() {
    assertThat(KindRange.upper("task.")).isEqualTo("task/");
    assertThat(KindRange.upper("a%")).isEqualTo("a&");
  }

  @Test
  void upper_skipsSurrogates() {
    assertThat(KindRange.upper("a\uD7FF")).isEqualTo("a\uE000");
  }

  @Test
  void upper_carriesPastTheLargestCodePoint() {
    assertThat(KindRange.upper("a" + MAX)).isEqualTo("b");
    assertThat(KindRange.upper(MAX + MAX)).isEqualTo(MAX.repeat(65));
  }

  @Test
  void range_matchesExactlyThePrefixedStrings() {
    List<String> prefixes =
        List.of("a", "a\u007F", "\u00FF", "\u07FF", "\uFFFF", "x" + MAX, "\uD83D\uDE00", "%_\\");
    List<String> probes =
        List.of(
            "",
            "a",
            "ab",
            "a\u007F",
            "a\u0080",
            "b",
            "\u00FF",
            "\u0100",
            "\u07FF\u0000x",
            "\u0800",
            "\uFFFF",
            "\uFFFFz",
            "\uD800\uDC00",
            "x" + MAX,
            "x" + MAX + "y",
            "y",
            "\uD83D\uDE00",
            "\uD83D\uDE01",
            "%_\\",
            "%_\\%",
            "%_]",
            "A");
    for (String prefix : prefixes) {
      byte[] low = utf8(prefix);
      byte[] high = utf8(KindRange.upper(prefix));
      for (String probe : probes) {
        byte[] p = utf8(probe);
        boolean inRange =
            Arrays.compareUnsigned(p, low) >= 0 && Arrays.compareUnsigned(p, high) < 0;
        assertThat(inRange)
            .as("'%s' in range of prefix '%s'", probe, prefix)
            .isEqualTo(probe.startsWith(prefix));
      }
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
