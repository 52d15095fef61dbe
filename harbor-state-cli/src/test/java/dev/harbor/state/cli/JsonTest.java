package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonTest {

  private static String quoted(String s) {
    StringBuilder out = new StringBuilder();
    Json.writeString(out, s);
    return out.toString();
  }

  private static String roundTrip(String s) {
    return (String) Json.parseObject("{\"v\":" + quoted(s) + "}").get("v");
  }

  @Test
  void everyBmpCharacterAndASurrogatePair_roundTrip() {
    StringBuilder all = new StringBuilder();
    for (char c = 1; c < 0xFFFF; c++) {
      if (!Character.isSurrogate(c)) {
        all.append(c);
      }
    }
    all.append("\uD834\uDD1E").append("\uD83D\uDE00"); // 𝄞 😀
    assertThat(roundTrip(all.toString())).isEqualTo(all.toString());
  }

  @Test
  void writer_escapesQuotesBackslashesAndControls() {
    assertThat(quoted("a\"b\\c\n\r\t\b\f\u0001\u001f\u2028"))
        .isEqualTo("\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u2028\"");
    assertThat(quoted("\uD834\uDD1E")).isEqualTo("\"\uD834\uDD1E\"");
    assertThat(quoted("x\uD800y")).isEqualTo("\"x\\ud800y\"");
  }

  @Test
  void reader_decodesEveryEscape() {
    Map<String, Object> m =
        Json.parseObject(
            "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"u\":\"\\u00e9\\u20AC\",\"pair\":\"\\uD834\\uDD1E\"}");
    assertThat(m.get("a")).isEqualTo("\"\\/\b\f\n\r\t");
    assertThat(m.get("u")).isEqualTo("é€");
    assertThat(m.get("pair")).isEqualTo("𝄞");
  }

  @Test
  void reader_readsNumbersBooleansNullAndWhitespace() {
    Map<String, Object> m =
        Json.parseObject(" { \"n\" : -12 , \"x\":1.5e3,\"t\":true,\"f\":false,\"z\":null } ");
    assertThat(m.get("n")).isEqualTo(new BigDecimal("-12"));
    assertThat(((BigDecimal) m.get("x")).longValueExact()).isEqualTo(1500L);
    assertThat(m).containsEntry("t", true).containsEntry("f", false).containsEntry("z", null);
    assertThat(Json.parseObject("{}")).isEmpty();
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("", 1, "empty line"),
        Arguments.of("[1]", 1, "expected '{'"),
        Arguments.of("{\"a\" 1}", 6, "expected ':'"),
        Arguments.of("{\"a\":1,}", 8, "member name"),
        Arguments.of("{\"a\":1} x", 9, "after the object"),
        Arguments.of("{\"a\":\"x", 8, "unterminated string"),
        Arguments.of("{\"a\":\"\\q\"}", 7, "invalid escape"),
        Arguments.of("{\"a\":\"\\u12G4\"}", 7, "four hex digits"),
        Arguments.of("{\"a\":\"\\uD834\"}", 7, "lone high surrogate"),
        Arguments.of("{\"a\":\"\\uD834\\u0041\"}", 7, "not followed by a low surrogate"),
        Arguments.of("{\"a\":\"\\uDD1E\"}", 7, "lone low surrogate"),
        Arguments.of("{\"a\":01}", 7, "expected ',' or '}'"),
        Arguments.of("{\"a\":-}", 7, "expected a digit"),
        Arguments.of("{\"a\":1.}", 8, "after '.'"),
        Arguments.of("{\"a\":{}}", 6, "nested"),
        Arguments.of("{\"a\":tru}", 6, "expected a value"),
        Arguments.of("{\"a\":1,\"a\":2}", 8, "duplicate member"),
        Arguments.of("{a:1}", 2, "member name"));
  }

  @ParameterizedTest(name = "{0} -> column {1}")
  @MethodSource("malformed")
  void reader_rejectsMalformedInput_namingTheColumn(String text, int column, String problem) {
    assertThatThrownBy(() -> Json.parseObject(text))
        .isInstanceOf(Json.MalformedJsonException.class)
        .hasMessageStartingWith("column " + column + ":")
        .hasMessageContaining(problem);
  }

  @Test
  void reader_rejectsRawControlCharactersAndLoneSurrogates() {
    assertThatThrownBy(() -> Json.parseObject("{\"a\":\"x\u0001\"}"))
        .hasMessageStartingWith("column 8:")
        .hasMessageContaining("control character");
    assertThatThrownBy(() -> Json.parseObject("{\"a\":\"\uD834\"}"))
        .hasMessageStartingWith("column 7:")
        .hasMessageContaining("lone surrogate");
  }
}
