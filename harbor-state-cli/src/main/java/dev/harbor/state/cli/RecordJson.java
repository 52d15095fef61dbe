package dev.harbor.state.cli;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

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

  private RecordJson() {}

  /**
   * One record as one line of JSON, without the line break.
   *
   * @param record the record
   * @return the JSON object
   */
  static String write(StateRecord record) {
    Quadruple q = record.identity();
    StringBuilder out = new StringBuilder(160 + record.size() * 4 / 3);
    out.append("{\"tenant\":");
    Json.writeString(out, q.tenantId());
    out.append(",\"user\":");
    Json.writeString(out, q.userId());
    out.append(",\"session\":");
    Json.writeString(out, q.sessionId());
    out.append(",\"run\":");
    Json.writeString(out, q.runId());
    out.append(",\"kind\":");
    Json.writeString(out, record.kind());
    out.append(",\"eventId\":");
    Json.writeString(out, record.id().value());
    out.append(",\"version\":").append(record.version());
    out.append(",\"bytes\":\"")
        .append(Base64.getEncoder().encodeToString(record.bytes()))
        .append('"');
    out.append(",\"updatedAt\":");
    if (record.updatedAt() == null) {
      out.append("null");
    } else {
      out.append('"').append(UPDATED_AT.format(record.updatedAt())).append('"');
    }
    return out.append('}').toString();
  }

  /**
   * Parses one line. {@code tenant}, {@code user}, {@code session}, {@code kind}, {@code eventId}
   * and {@code bytes} are required; {@code run} defaults to {@code ""}, {@code version} to 0 and a
   * missing or null {@code updatedAt} lets the store stamp the record. Empty strings are passed on:
   * the store's validation names them.
   *
   * @param line the line
   * @return the record
   * @throws Json.MalformedJsonException if the line is not one flat JSON object
   * @throws ExitCodes.InvalidInputException if a field is missing, unknown or of the wrong type
   */
  static StateRecord read(String line) {
    Map<String, Object> m = Json.parseObject(line);
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
            optional(m, "run", ""));
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

  private static String required(Map<String, Object> m, String name) {
    String value = optional(m, name, null);
    if (value == null) {
      throw new ExitCodes.InvalidInputException("missing field \"" + name + "\"");
    }
    return value;
  }

  private static String optional(Map<String, Object> m, String name, String fallback) {
    Object value = m.get(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String s)) {
      throw new ExitCodes.InvalidInputException("field \"" + name + "\" must be a string");
    }
    return s;
  }

  private static long version(Object value) {
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
