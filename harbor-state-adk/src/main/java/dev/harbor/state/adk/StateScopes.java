package dev.harbor.state.adk;

import com.google.adk.events.Event;
import com.google.adk.events.EventActions;
import com.google.adk.sessions.State;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * ADK's state scopes: {@code temp:} keys are never stored, {@code app:} and {@code user:} keys are
 * shared across sessions (stored without their prefix in the app's and the user's state), every
 * other key is the session's own; a session shows the three merged, as the in-memory service does.
 */
final class StateScopes {

  private StateScopes() {}

  /** The event's state delta without {@code temp:} keys, in key order. */
  static Map<String, Object> delta(Event event) {
    Map<String, Object> delta = new LinkedHashMap<>();
    EventActions actions = event.actions();
    if (actions != null && actions.stateDelta() != null) {
      actions.stateDelta().entrySet().stream()
          .filter(e -> !e.getKey().startsWith(State.TEMP_PREFIX))
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> delta.put(e.getKey(), e.getValue()));
    }
    return delta;
  }

  /**
   * Applies a delta: each {@code app:} / {@code user:} key to the app's / user's state without its
   * prefix, and every key to the session's own (which keeps the prefixed copies, as ADK's does).
   */
  static void apply(
      Map<String, Object> delta,
      Map<String, Object> own,
      Map<String, Object> app,
      Map<String, Object> user) {
    delta.forEach(
        (key, value) -> {
          if (key.startsWith(State.APP_PREFIX)) {
            put(app, key.substring(State.APP_PREFIX.length()), value);
          } else if (key.startsWith(State.USER_PREFIX)) {
            put(user, key.substring(State.USER_PREFIX.length()), value);
          }
          put(own, key, value);
        });
  }

  /** The state a session shows: its own, with the app's and user's under their prefixes. */
  static ConcurrentMap<String, Object> merged(
      Map<String, Object> own, Map<String, Object> app, Map<String, Object> user) {
    ConcurrentMap<String, Object> state = new ConcurrentHashMap<>(own);
    app.forEach((k, v) -> state.put(State.APP_PREFIX + k, v));
    user.forEach((k, v) -> state.put(State.USER_PREFIX + k, v));
    return state;
  }

  private static void put(Map<String, Object> state, String key, Object value) {
    if (value == State.REMOVED) {
      state.remove(key);
    } else {
      state.put(key, value);
    }
  }
}
