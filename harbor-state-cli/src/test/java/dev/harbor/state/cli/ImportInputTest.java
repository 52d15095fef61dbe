package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whatever is wrong with a line of an import, the command exits 2 with one line naming the line and
 * the problem, and writes nothing of the batch the line is in.
 */
class ImportInputTest {

  private static final String GOOD =
      "{\"tenant\":\"t\",\"user\":\"u\",\"session\":\"s\",\"kind\":\"k\",\"eventId\":\"e1\","
          + "\"bytes\":\"aGk=\"}";

  /** Another record, in another slot. */
  private static final String OTHER = GOOD.replace("e1", "e2").replace("\"k\"", "\"k2\"");

  @TempDir Path dir;

  private static List<String> exported(String target) {
    Cli.Result r = Cli.run("--store", target, "export");
    assertThat(r.code()).as(r.toString()).isZero();
    return r.out().lines().toList();
  }

  private static Arguments line(String json, String problem) {
    return Arguments.of(json.getBytes(StandardCharsets.UTF_8), problem);
  }

  private static Arguments bytes(String problem, int... line) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int b : line) {
      out.write(b);
    }
    return Arguments.of(out.toByteArray(), problem);
  }

  static Stream<Arguments> badLines() {
    return Stream.of(
        line("{\"tenant\":\"a\",}", "column 15: Unexpected character ('}'"),
        line(OTHER + " x", "column 83: Unrecognized token 'x'"),
        line("{\"tenant\":\"t\"", "column 14: unexpected end of line"),
        line(OTHER.replace("{", "{\"tenant\":\"t\","), "column 15: duplicate member \"tenant\""),
        line(OTHER.replace("\"k2\"", "{}"), "column 47: nested objects and arrays"),
        line(OTHER.replace("\"t\"", "1"), "field \"tenant\" must be a string"),
        line(OTHER.replace("}", ",\"version\":\"7\"}"), "field \"version\" must be a number"),
        line(
            OTHER.replace("}", ",\"version\":99999999999999999999}"),
            "field \"version\" must be an integer in the range of a long"),
        line(OTHER.replace("}", ",\"version\":1e9999999999}"), "number out of range"),
        line(OTHER.replace("}", ",\"version\":1" + "0".repeat(1000) + "}"), "Number value length"),
        line(OTHER.replace("}", ",\"size\":1}"), "unknown field \"size\""),
        line("{}", "missing field \"tenant\""),
        line(OTHER.replace("\"t\"", "\"t\\ud834\""), "column 11: lone surrogate U+D834"),
        line(OTHER.replace("\"t\"", "\"\\udd1e\""), "column 11: lone surrogate U+DD1E"),
        line(OTHER.replace("\"t\"", "\"t\u0000\""), "column 13: Illegal unquoted character"),
        line(OTHER.replace("\"t\"", "\"t\\u0000\""), "tenantId contains U+0000"),
        bytes("not valid UTF-8", '{', 0xc3, 0x28, '}'),
        bytes("not valid UTF-8", '{', '"', 0xed, 0xa0, 0x80, '"', '}'),
        bytes("not valid UTF-8", '{', '"', 0xf4, 0x90, 0x80, 0x80, '"', '}'),
        bytes("not valid UTF-8", '{', '"', 0xc0, 0xaf, '"', '}'));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badLines")
  void badSecondLine_exits2_withOneLineNamingIt_andWritesNothing(byte[] bad, String problem) {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes((GOOD + "\n").getBytes(StandardCharsets.UTF_8));
    in.writeBytes(bad);
    in.write('\n');
    String target = "sqlite:" + dir.resolve("target.db");

    Cli.Result r = Cli.runWithInput(in.toByteArray(), "--store", target, "import");

    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr()).startsWith("harbor-state: line 2: ").contains(problem);
    assertThat(r.stderr().lines()).as(r.stderr()).hasSize(1);
    assertThat(r.out()).isEmpty();
    assertThat(exported(target)).isEmpty();
  }

  @Test
  void invalidUtf8_isNamedAtItsLine_afterTheBatchesBeforeItWereWritten() {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.writeBytes((GOOD + "\n" + OTHER + "\n").getBytes(StandardCharsets.UTF_8));
    in.writeBytes(new byte[] {'{', (byte) 0xff, '}', '\n'});
    String target = "sqlite:" + dir.resolve("target.db");

    Cli.Result r =
        Cli.runWithInput(in.toByteArray(), "--store", target, "import", "--batch-size", "1");

    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr()).isEqualTo("harbor-state: line 3: not valid UTF-8\n");
    assertThat(exported(target)).hasSize(2);
  }
}
