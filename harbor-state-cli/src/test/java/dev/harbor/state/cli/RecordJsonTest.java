package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RecordJsonTest {

  private static final String FIELDS =
      "\"tenant\":\"t\",\"user\":\"u\",\"session\":\"s\",\"kind\":\"k\",\"eventId\":\"e\"";

  private static StateRecord record(String text, Instant updatedAt) {
    return new StateRecord(
        EventId.of("e"),
        new Quadruple(text, "u", "s", ""),
        "k",
        -3,
        new byte[] {(byte) 0xfb, (byte) 0xff},
        updatedAt);
  }

  private static String write(StateRecord r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RecordJson.write(out, r);
    return out.toString(StandardCharsets.UTF_8);
  }

  /** A record whose tenant is {@code tenant}, the JSON text of a string member. */
  private static StateRecord readTenant(String tenant) {
    return RecordJson.read("{" + FIELDS.replace("\"t\"", tenant) + ",\"bytes\":\"\"}");
  }

  @Test
  void write_isTheDocumentedLine_escapingWhatJsonRequiresAndLineSeparators() throws IOException {
    Instant at = Instant.parse("2030-01-02T03:04:05.123456789Z");
    assertThat(write(record("a\"b\\c\n\r\t\b\f\u0001\u001f\u007f/\u2028\u2029é𝄞", at)))
        .isEqualTo(
            "{\"tenant\":\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\u007f/\\u2028\\u2029é𝄞\","
                + "\"user\":\"u\",\"session\":\"s\",\"run\":\"\",\"kind\":\"k\",\"eventId\":\"e\","
                + "\"version\":-3,\"bytes\":\"+/8=\",\"updatedAt\":\"2030-01-02T03:04:05.123456Z\"}");
    assertThat(write(record("t", null))).endsWith(",\"updatedAt\":null}");
  }

  @Test
  void write_keepsALoneSurrogateIntact_asAnEscape() throws IOException {
    // No store accepts one, but the line must still be UTF-8 and say what was there.
    assertThat(write(record("x\uD800y\uDC00", null)))
        .startsWith("{\"tenant\":\"x\\ud800y\\udc00\",");
  }

  @Test
  void everyBmpCharacterAndSurrogatePairs_roundTrip() throws IOException {
    StringBuilder all = new StringBuilder();
    for (char c = 1; c < 0xFFFF; c++) {
      if (!Character.isSurrogate(c)) {
        all.append(c);
      }
    }
    all.append("\uD834\uDD1E").append("\uD83D\uDE00"); // 𝄞 😀
    StateRecord r = record(all.toString(), Instant.parse("2030-01-02T03:04:05.123456Z"));
    assertThat(RecordJson.read(write(r))).isEqualTo(r);
  }

  @Test
  void read_decodesEveryEscape_andTakesNumbersAsLongsWhereverExact() {
    assertThat(readTenant("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\uD834\\uDD1E\"").identity())
        .isEqualTo(new Quadruple("\"\\/\b\f\n\r\t\u00e9\u20ac𝄞", "u", "s", ""));
    StateRecord r =
        RecordJson.read(" { " + FIELDS + " , \"bytes\" : \"+/8=\", \"version\": 1.5e3 }\t");
    assertThat(r.version()).isEqualTo(1500);
    assertThat(r.identity().runId()).isEmpty();
    assertThat(r.updatedAt()).isNull();
    assertThat(r.bytes()).containsExactly(0xfb, 0xff);
    assertThat(RecordJson.read("{" + FIELDS + ",\"bytes\":\"\",\"version\":-12}").version())
        .isEqualTo(-12);
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("", 1, "empty line"),
        Arguments.of("[1]", 1, "expected '{'"),
        Arguments.of("\uFEFF{}", 1, "Unexpected character"),
        Arguments.of("{\"a\" 1}", 6, "colon"),
        Arguments.of("{\"a\":1,}", 8, "double-quote to start field name"),
        Arguments.of("{a:1}", 2, "double-quote to start field name"),
        Arguments.of("{'a':1}", 2, "double-quote to start field name"),
        Arguments.of("{\"a\":1} x", 9, "Unrecognized token 'x'"),
        Arguments.of("{\"a\":1}{}", 8, "unexpected text after the object"),
        Arguments.of("{\"a\":1} // c", 9, "comment"),
        Arguments.of("{\"a\":\"x", 8, "unexpected end of line"),
        Arguments.of("{\"a\":1", 7, "unexpected end of line"),
        Arguments.of("{\"a\":", 6, "unexpected end of line"),
        Arguments.of("{\"a\":\"\\q\"}", 8, "Unrecognized character escape 'q'"),
        Arguments.of("{\"a\":\"\\u12G4\"}", 11, "hex-digit"),
        Arguments.of("{\"a\":\"x\u0001\"}", 8, "CTRL-CHAR, code 1"),
        Arguments.of("{\"a\":01}", 7, "Leading zeroes"),
        Arguments.of("{\"a\":-}", 7, "minus sign"),
        Arguments.of("{\"a\":+1}", 7, "plus signs"),
        Arguments.of("{\"a\":1.}", 7, "Decimal point not followed by a digit"),
        Arguments.of("{\"a\":.5}", 6, "expected a valid value"),
        Arguments.of("{\"a\":1e}", 7, "Exponent indicator not followed by a digit"),
        Arguments.of("{\"a\":NaN}", 9, "Non-standard token 'NaN'"),
        Arguments.of("{\"a\":tru}", 6, "Unrecognized token 'tru'"),
        Arguments.of("{\"a\":{}}", 6, "nested"),
        Arguments.of("{\"a\":[1]}", 6, "nested"),
        Arguments.of("{\"a\":1,\"a\":2}", 8, "duplicate member \"a\""),
        Arguments.of("{\"a\":1e99999999999}", 6, "number out of range"),
        Arguments.of("{\"a\":" + "9".repeat(1001) + "}", 1007, "Number value length (1001)"),
        Arguments.of("{\"a\":\"\\uD834\"}", 6, "lone surrogate U+D834"),
        Arguments.of("{\"a\":\"\\uD834\\u0041\"}", 6, "lone surrogate U+D834"),
        Arguments.of("{\"a\":\"\\uDD1E\"}", 6, "lone surrogate U+DD1E"),
        Arguments.of("{\"a\":\"x\uD834\"}", 6, "lone surrogate U+D834"),
        Arguments.of("{\"\\uD834\":1}", 9, "Broken surrogate pair in field name"),
        Arguments.of("{\"x\uD834\":1}", 2, "lone surrogate U+D834"));
  }

  @ParameterizedTest(name = "{0} -> column {1}")
  @MethodSource("malformed")
  void read_rejectsMalformedJson_inOneLineNamingTheColumn(String text, int column, String problem) {
    assertThatThrownBy(() -> RecordJson.read(text))
        .isInstanceOf(ExitCodes.InvalidInputException.class)
        .hasMessageStartingWith("column " + column + ": ")
        .hasMessageContaining(problem)
        .hasMessageNotContaining("\n");
  }

  static Stream<Arguments> invalidFields() {
    return Stream.of(
        Arguments.of(",\"bytes\":\"\",\"size\":1", "unknown field \"size\""),
        Arguments.of("", "missing field \"bytes\""),
        Arguments.of(",\"bytes\":\"***\"", "field \"bytes\" is not valid base64"),
        Arguments.of(",\"bytes\":1", "field \"bytes\" must be a string"),
        Arguments.of(",\"bytes\":\"\",\"run\":true", "field \"run\" must be a string"),
        Arguments.of(",\"bytes\":\"\",\"version\":\"1\"", "field \"version\" must be a number"),
        Arguments.of(",\"bytes\":\"\",\"version\":false", "field \"version\" must be a number"),
        Arguments.of(",\"bytes\":\"\",\"version\":1.5", "range of a long: 1.5"),
        Arguments.of(
            ",\"bytes\":\"\",\"version\":9223372036854775808",
            "range of a long: 9223372036854775808"),
        Arguments.of(",\"bytes\":\"\",\"version\":1e999999999", "range of a long: 1E+999999999"),
        Arguments.of(",\"bytes\":\"\",\"updatedAt\":\"today\"", "not an ISO-8601 instant"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalidFields")
  void read_rejectsMissingUnknownAndMistypedFields(String more, String problem) {
    assertThatThrownBy(() -> RecordJson.read("{" + FIELDS + more + "}"))
        .isInstanceOf(ExitCodes.InvalidInputException.class)
        .hasMessageContaining(problem);
  }

  @Test
  void read_takesNullAsAbsent() {
    StateRecord r =
        RecordJson.read(
            "{" + FIELDS + ",\"bytes\":\"\",\"run\":null,\"version\":null,\"updatedAt\":null}");
    assertThat(r.identity().runId()).isEmpty();
    assertThat(r.version()).isZero();
    assertThat(r.updatedAt()).isNull();
    assertThatThrownBy(() -> readTenant("null")).hasMessage("missing field \"tenant\"");
  }
}
