package dev.harbor.state.adk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.adk.JsonBaseModel;
import com.google.adk.events.Event;
import com.google.adk.events.EventActions;
import com.google.adk.sessions.SessionException;
import com.google.adk.sessions.State;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Events, headers and state maps as bytes, with ADK's own JSON mapper (so an event reads back equal
 * to what was appended).
 *
 * <p>Two things JSON alone would lose are kept: {@link State#REMOVED} in a state delta (ADK writes
 * it as a plain string) is listed beside the event and restored on reading; and JSON holding a lone
 * surrogate (valid in a Java string, not in UTF-8) is stored as UTF-16 code units after a zero
 * byte, so it reads back as the same string.
 */
final class Json {

  private static final ObjectMapper MAPPER = JsonBaseModel.getMapper();
  private static final ObjectWriter WRITER = MAPPER.writer();

  /** The first byte of a record written as UTF-16 code units (see {@link #bytes}). */
  private static final byte UTF16_MARK = 0;

  private Json() {}

  /** A session's header: its original ids, incarnation, next sequence, last update and state. */
  record Header(
      String app,
      String user,
      String id,
      String incarnation,
      long next,
      Instant lastUpdate,
      Map<String, Object> state) {}

  static byte[] header(Header h) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("app", h.app());
    node.put("user", h.user());
    node.put("id", h.id());
    node.put("inc", h.incarnation());
    node.put("next", h.next());
    node.put("updated", h.lastUpdate().toString());
    node.set("state", tree(h.state()));
    return bytes(node);
  }

  static Header header(byte[] bytes) {
    JsonNode node = tree(bytes);
    return new Header(
        node.path("app").asText(),
        node.path("user").asText(),
        node.path("id").asText(),
        node.path("inc").asText(),
        node.path("next").asLong(),
        Instant.parse(node.path("updated").asText()),
        map(node.path("state")));
  }

  /** A state map (app or user scope); empty bytes are the empty map. */
  static byte[] state(Map<String, Object> state) {
    return bytes(tree(state));
  }

  static Map<String, Object> state(byte[] bytes) {
    return bytes.length == 0 ? new LinkedHashMap<>() : map(tree(bytes));
  }

  /** The event as stored: without the {@code temp:} keys of its state delta (never stored). */
  static byte[] event(Event event) {
    ObjectNode node = MAPPER.createObjectNode();
    JsonNode tree = tree(event);
    JsonNode delta = tree.path("actions").path("stateDelta");
    if (delta instanceof ObjectNode deltaNode) {
      List<String> temp = new ArrayList<>();
      delta
          .fieldNames()
          .forEachRemaining(
              k -> {
                if (k.startsWith(State.TEMP_PREFIX)) {
                  temp.add(k);
                }
              });
      deltaNode.remove(temp);
    }
    node.set("event", tree);
    ArrayNode removed = node.putArray("removed");
    EventActions actions = event.actions();
    if (actions != null) {
      actions.stateDelta().entrySet().stream()
          .filter(e -> e.getValue() == State.REMOVED && !e.getKey().startsWith(State.TEMP_PREFIX))
          .map(Map.Entry::getKey)
          .sorted()
          .forEach(removed::add);
    }
    return bytes(node);
  }

  /** A value as ADK's mapper writes it. */
  private static JsonNode tree(Object value) {
    try {
      return MAPPER.valueToTree(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot be stored as JSON by ADK's mapper: " + e.getMessage(), e);
    }
  }

  static Event event(byte[] bytes) {
    JsonNode node = tree(bytes);
    try {
      Event event = MAPPER.treeToValue(node.path("event"), Event.class);
      for (JsonNode key : node.path("removed")) {
        event.actions().stateDelta().put(key.asText(), State.REMOVED);
      }
      return event;
    } catch (JsonProcessingException e) {
      throw new SessionException("a stored event cannot be read: " + e.getOriginalMessage(), e);
    }
  }

  /** A sequence number as a record's bytes (an index entry's payload). */
  static byte[] sequence(long sequence) {
    return Long.toString(sequence).getBytes(StandardCharsets.US_ASCII);
  }

  static long sequence(byte[] bytes) {
    return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
  }

  private static Map<String, Object> map(JsonNode node) {
    Map<String, Object> map = new LinkedHashMap<>();
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        Object value = MAPPER.convertValue(node.get(name), Object.class);
        if (value != null) { // ADK's state maps are concurrent maps: they hold no null
          map.put(name, value);
        }
      }
    }
    return map;
  }

  private static JsonNode tree(byte[] bytes) {
    try {
      if (bytes.length > 0 && bytes[0] == UTF16_MARK) {
        char[] chars = new char[(bytes.length - 1) / 2];
        for (int i = 0; i < chars.length; i++) {
          chars[i] = (char) (((bytes[1 + 2 * i] & 0xff) << 8) | (bytes[2 + 2 * i] & 0xff));
        }
        return MAPPER.readTree(new String(chars));
      }
      return MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new SessionException("a stored session record cannot be read: " + e.getMessage(), e);
    }
  }

  private static byte[] bytes(JsonNode node) {
    try {
      String json = WRITER.writeValueAsString(node);
      if (Keys.wellFormed(json)) {
        return json.getBytes(StandardCharsets.UTF_8);
      }
      // UTF-8 cannot carry a lone surrogate, and Jackson refuses one written as an escape: store
      // the code units as they are, after a mark no JSON text starts with.
      byte[] bytes = new byte[1 + 2 * json.length()];
      bytes[0] = UTF16_MARK;
      for (int i = 0; i < json.length(); i++) {
        char c = json.charAt(i);
        bytes[1 + 2 * i] = (byte) (c >>> 8);
        bytes[2 + 2 * i] = (byte) c;
      }
      return bytes;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "cannot be stored as JSON by ADK's mapper: " + e.getOriginalMessage(), e);
    }
  }
}
