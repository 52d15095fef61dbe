package dev.harbor.state.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonpCharacterEscapes;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The JSON Lines record format of {@code export}, {@code import} and every {@code --json} output:
 * one flat object per record with every field, bytes in base64 and {@code updatedAt} in ISO-8601
 * UTC with microseconds.
 *
 * <pre>{"tenant":"t","user":"u","session":"s","run":"","kind":"k","eventId":"01J…","version":0,
 * "bytes":"aGk=","updatedAt":"2030-01-02T03:04:05.123456Z"}</pre>
 */
final class RecordJson {

  /** Micro precision always, so every exported timestamp has one width and round-trips exactly. */
  static final DateTimeFormatter UPDATED_AT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private static final Set<String> FIELDS =
      Set.of(
          "tenant", "user", "session", "run", "kind", "eventId", "version", "bytes", "updatedAt");

  /**
   * Jackson's streaming API, strict as RFC 8259 (its defaults) when reading, with strings as long
   * as a payload's base64. Writing is UTF-8 with the escapes JSON requires plus U+2028 and U+2029,
   * hex digits in lower case, a surrogate pair as the one character it encodes and a lone surrogate
   * (which no store accepts) escaped. A generator neither flushes nor closes the stream it writes
   * to: export buffers many records before a write.
   */
  private static final JsonFactory JSON =
      new JsonFactoryBuilder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
          .characterEscapes(JsonpCharacterEscapes.instance())
          .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
          .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
          .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
          .disable(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
          .build();

  private RecordJson() {}

  /**
   * Writes one record as one line of JSON in UTF-8, without the line break; {@code out} is neither
   * flushed nor closed.
   *
   * @param out where to write
   * @param record the record
   * @throws IOException if {@code out} fails
   */
  static void write(OutputStream out, StateRecord record) throws IOException {
    Quadruple q = record.identity();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("tenant", q.tenantId());
      g.writeStringField("user", q.userId());
      g.writeStringField("session", q.sessionId());
      g.writeStringField("run", q.runId());
      g.writeStringField("kind", record.kind());
      g.writeStringField("eventId", record.id().value());
      g.writeNumberField("version", record.version());
      g.writeBinaryField("bytes", record.bytes());
      g.writeStringField(
          "updatedAt", record.updatedAt() == null ? null : UPDATED_AT.format(record.updatedAt()));
      g.writeEndObject();
    }
  }

  /**
   * Parses one line. {@code tenant}, {@code user}, {@code session}, {@code kind}, {@code eventId}
   * and {@code bytes} are required; {@code run} defaults to {@code ""}, {@code version} to 0 and a
   * missing or null {@code updatedAt} lets the store stamp the record. Empty strings are passed on:
   * the store's validation names them.
   *
   * @param line the line
   * @return the record
   * @throws ExitCodes.InvalidInputException if the line is not one flat JSON object ("column N:
   *     ..."), or a field is missing, unknown or of the wrong type
   */
  static StateRecord read(String line) {
    Map<String, Object> m = members(line);
    for (String name : m.keySet()) {
      if (!FIELDS.contains(name)) {
        throw new ExitCodes.InvalidInputException(
            "unknown field \"" + name + "\"; expected " + FIELDS);
      }
    }
    Quadruple q =
        new Quadruple(
            required(m, "tenant"),
            required(m, "user"),
            required(m, "session"),
            Objects.requireNonNullElse(optional(m, "run", null), ""));
    String kind = required(m, "kind");
    EventId id = EventId.of(required(m, "eventId"));
    long version = version(m.get("version"));
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(required(m, "bytes"));
    } catch (IllegalArgumentException e) {
      throw new ExitCodes.InvalidInputException(
          "field \"bytes\" is not valid base64: " + e.getMessage());
    }
    Instant updatedAt = null;
    String at = optional(m, "updatedAt", null);
    if (at != null) {
      try {
        updatedAt = Instant.parse(at);
      } catch (DateTimeParseException e) {
        throw new ExitCodes.InvalidInputException(
            "field \"updatedAt\" is not an ISO-8601 instant: \"" + at + "\"");
      }
    }
    return new StateRecord(id, q, kind, version, bytes, updatedAt);
  }

  /**
   * The members of the one flat object {@code line} holds (whitespace around it allowed), in
   * document order: {@link String}, {@link BigDecimal}, {@link Boolean} or {@code null}. A nested
   * value, a duplicate member, a lone surrogate (raw or escaped), trailing text and whatever
   * Jackson rejects is an error naming its 1-based column.
   */
  private static Map<String, Object> members(String line) {
    try (JsonParser p = JSON.createParser(line)) {
      return members(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a string has no I/O to fail
    }
  }

  private static Map<String, Object> members(JsonParser p) throws IOException {
    try {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw malformed(p.currentLocation(), "empty line; expected a JSON object");
      } else if (first != JsonToken.START_OBJECT) {
        throw malformed(p.currentTokenLocation(), "expected '{'");
      }
      Map<String, Object> members = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        JsonLocation nameAt = p.currentTokenLocation();
        String name = string(p);
        Object value =
            switch (p.nextToken()) {
              case VALUE_STRING -> string(p);
              case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> number(p);
              case VALUE_TRUE -> true;
              case VALUE_FALSE -> false;
              case VALUE_NULL -> null;
              default ->
                  throw malformed(
                      p.currentTokenLocation(),
                      "nested objects and arrays are not part of the record format");
            };
        if (members.containsKey(name)) {
          throw malformed(nameAt, "duplicate member \"" + name + "\"");
        }
        members.put(name, value);
      }
      // Jackson ends an object's members with END_OBJECT or an error.
      if (p.nextToken() != null) {
        throw malformed(p.currentTokenLocation(), "unexpected text after the object");
      }
      return members;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation() == null ? p.currentLocation() : e.getLocation();
      throw malformed(
          at, e instanceof JsonEOFException ? "unexpected end of line" : e.getOriginalMessage(), e);
    }
  }

  /** The current string token, which must be well-formed UTF-16 to be written as UTF-8. */
  private static String string(JsonParser p) throws IOException {
    String s = p.getText();
    // codePoints() joins every surrogate pair: a surrogate it yields is a lone one.
    OptionalInt lone =
        s.codePoints()
            .filter(c -> c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE)
            .findFirst();
    if (lone.isPresent()) {
      throw malformed(
          p.currentTokenLocation(),
          String.format("lone surrogate U+%04X in a string", lone.getAsInt()));
    }
    return s;
  }

  private static BigDecimal number(JsonParser p) throws IOException {
    try {
      return p.getDecimalValue();
    } catch (NumberFormatException e) {
      throw malformed(p.currentTokenLocation(), "number out of range");
    }
  }

  private static ExitCodes.InvalidInputException malformed(JsonLocation at, String problem) {
    return malformed(at, problem, null);
  }

  private static ExitCodes.InvalidInputException malformed(
      JsonLocation at, String problem, @Nullable Throwable cause) {
    return new ExitCodes.InvalidInputException(
        "column " + at.getColumnNr() + ": " + problem, cause);
  }

  private static String required(Map<String, Object> m, String name) {
    String value = optional(m, name, null);
    if (value == null) {
      throw new ExitCodes.InvalidInputException("missing field \"" + name + "\"");
    }
    return value;
  }

  private static @Nullable String optional(
      Map<String, @Nullable Object> m, String name, @Nullable String fallback) {
    Object value = m.get(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String s)) {
      throw new ExitCodes.InvalidInputException("field \"" + name + "\" must be a string");
    }
    return s;
  }

  private static long version(@Nullable Object value) {
    if (value == null) {
      return 0L;
    }
    if (!(value instanceof BigDecimal n)) {
      throw new ExitCodes.InvalidInputException("field \"version\" must be a number");
    }
    try {
      return n.longValueExact();
    } catch (ArithmeticException e) {
      throw new ExitCodes.InvalidInputException(
          "field \"version\" must be an integer in the range of a long: " + n);
    }
  }
}
