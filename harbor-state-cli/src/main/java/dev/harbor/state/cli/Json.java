package dev.harbor.state.cli;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small, strict JSON codec for flat objects (string, number, boolean and null members), which is
 * all the JSON Lines record format needs; a general JSON library would be the CLI's largest
 * dependency for very little.
 *
 * <p>Writing escapes quotes, backslashes, control characters and lone surrogates, and writes every
 * other character as is (the stream is UTF-8). Reading follows RFC 8259 to the letter for what it
 * accepts: every escape including {@code \\uXXXX} surrogate pairs; a lone surrogate escape, a raw
 * control character, a duplicate member, trailing text or a nested value is an error naming its
 * 1-based column.
 */
final class Json {

  private Json() {}

  /** Malformed JSON: the message names the column. */
  static final class MalformedJsonException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedJsonException(int column, String problem) {
      super("column " + column + ": " + problem);
    }
  }

  /**
   * Appends {@code value} as a JSON string literal, quotes included.
   *
   * @param out where to append
   * @param value the string
   */
  static void writeString(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            unicodeEscape(out, c);
          } else if (Character.isHighSurrogate(c)
              && i + 1 < value.length()
              && Character.isLowSurrogate(value.charAt(i + 1))) {
            out.append(c).append(value.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            // A lone surrogate cannot be encoded in UTF-8; the escape keeps it intact.
            unicodeEscape(out, c);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static void unicodeEscape(StringBuilder out, char c) {
    out.append("\\u");
    String hex = Integer.toHexString(c);
    out.append("0".repeat(4 - hex.length())).append(hex);
  }

  /**
   * Parses one flat JSON object. Member values are {@link String}, {@link BigDecimal}, {@link
   * Boolean} or {@code null}, in document order.
   *
   * @param text the whole text, which must hold exactly one object (surrounding whitespace allowed)
   * @return the members
   * @throws MalformedJsonException naming the column of the first problem
   */
  static Map<String, Object> parseObject(String text) {
    return new Parser(text).document();
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    Map<String, Object> document() {
      skipWhitespace();
      if (pos >= s.length()) {
        throw error("empty line; expected a JSON object");
      }
      Map<String, Object> members = object();
      skipWhitespace();
      if (pos < s.length()) {
        throw error("unexpected text after the object");
      }
      return members;
    }

    private Map<String, Object> object() {
      expect('{', "expected '{'");
      Map<String, Object> members = new LinkedHashMap<>();
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return members;
      }
      while (true) {
        skipWhitespace();
        int nameColumn = pos + 1;
        if (peek() != '"') {
          throw error("expected a member name in double quotes");
        }
        String name = string();
        skipWhitespace();
        expect(':', "expected ':' after member name");
        skipWhitespace();
        Object value = value();
        if (members.containsKey(name)) {
          throw new MalformedJsonException(nameColumn, "duplicate member \"" + name + "\"");
        }
        members.put(name, value);
        skipWhitespace();
        int c = peek();
        if (c == ',') {
          pos++;
        } else if (c == '}') {
          pos++;
          return members;
        } else {
          throw error("expected ',' or '}'");
        }
      }
    }

    private Object value() {
      int c = peek();
      return switch (c) {
        case '"' -> string();
        case '{', '[' -> throw error("nested objects and arrays are not part of the record format");
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield number();
          }
          throw error(c < 0 ? "unexpected end of line; expected a value" : "expected a value");
        }
      };
    }

    private Object literal(String word, Object value) {
      if (!s.startsWith(word, pos)) {
        throw error("expected a value");
      }
      pos += word.length();
      return value;
    }

    private BigDecimal number() {
      int start = pos;
      if (peek() == '-') {
        pos++;
      }
      if (peek() == '0') {
        pos++;
      } else if (isDigit(peek())) {
        while (isDigit(peek())) {
          pos++;
        }
      } else {
        throw error("expected a digit");
      }
      if (peek() == '.') {
        pos++;
        if (!isDigit(peek())) {
          throw error("expected a digit after '.'");
        }
        while (isDigit(peek())) {
          pos++;
        }
      }
      if (peek() == 'e' || peek() == 'E') {
        pos++;
        if (peek() == '+' || peek() == '-') {
          pos++;
        }
        if (!isDigit(peek())) {
          throw error("expected a digit in the exponent");
        }
        while (isDigit(peek())) {
          pos++;
        }
      }
      try {
        return new BigDecimal(s.substring(start, pos));
      } catch (NumberFormatException e) {
        throw new MalformedJsonException(start + 1, "number out of range");
      }
    }

    private String string() {
      expect('"', "expected '\"'");
      StringBuilder out = new StringBuilder();
      while (true) {
        if (pos >= s.length()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos);
        if (c == '"') {
          pos++;
          return out.toString();
        }
        if (c < 0x20) {
          throw error("raw control character U+" + hex4(c) + " in a string; it must be escaped");
        }
        if (c != '\\') {
          if (Character.isHighSurrogate(c)
              && pos + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(pos + 1))) {
            out.append(c).append(s.charAt(pos + 1));
            pos += 2;
            continue;
          }
          if (Character.isSurrogate(c)) {
            throw error("lone surrogate U+" + hex4(c) + " in a string");
          }
          out.append(c);
          pos++;
          continue;
        }
        int escapeColumn = pos + 1;
        pos++;
        if (pos >= s.length()) {
          throw error("unterminated escape");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"' -> out.append('"');
          case '\\' -> out.append('\\');
          case '/' -> out.append('/');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> {
            char unit = hexUnit(escapeColumn);
            if (Character.isHighSurrogate(unit)) {
              // A high surrogate must be followed by an escaped low surrogate: together they are
              // one code point.
              if (!s.startsWith("\\u", pos)) {
                throw new MalformedJsonException(
                    escapeColumn, "lone high surrogate \\u" + hex4(unit));
              }
              int lowColumn = pos + 1;
              pos += 2;
              char low = hexUnit(lowColumn);
              if (!Character.isLowSurrogate(low)) {
                throw new MalformedJsonException(
                    escapeColumn,
                    "high surrogate \\u" + hex4(unit) + " is not followed by a low surrogate");
              }
              out.append(unit).append(low);
            } else if (Character.isLowSurrogate(unit)) {
              throw new MalformedJsonException(escapeColumn, "lone low surrogate \\u" + hex4(unit));
            } else {
              out.append(unit);
            }
          }
          default -> throw new MalformedJsonException(escapeColumn, "invalid escape '\\" + e + "'");
        }
      }
    }

    /** Reads the four hex digits after {@code \\u}; {@code pos} is at the first digit. */
    private char hexUnit(int escapeColumn) {
      if (pos + 4 > s.length()) {
        throw new MalformedJsonException(escapeColumn, "\\u needs four hex digits");
      }
      int value = 0;
      for (int i = 0; i < 4; i++) {
        int d = Character.digit(s.charAt(pos + i), 16);
        if (d < 0 || s.charAt(pos + i) > 'f') {
          throw new MalformedJsonException(escapeColumn, "\\u needs four hex digits");
        }
        value = value * 16 + d;
      }
      pos += 4;
      return (char) value;
    }

    private void expect(char c, String problem) {
      if (peek() != c) {
        throw error(problem);
      }
      pos++;
    }

    private int peek() {
      return pos < s.length() ? s.charAt(pos) : -1;
    }

    private void skipWhitespace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
          return;
        }
        pos++;
      }
    }

    private MalformedJsonException error(String problem) {
      return new MalformedJsonException(pos + 1, problem);
    }

    private static boolean isDigit(int c) {
      return c >= '0' && c <= '9';
    }

    private static String hex4(char c) {
      String hex = Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT);
      return "0".repeat(4 - hex.length()) + hex;
    }
  }
}
