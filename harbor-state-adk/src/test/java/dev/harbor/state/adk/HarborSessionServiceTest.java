package dev.harbor.state.adk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.adk.events.Event;
import com.google.adk.events.EventActions;
import com.google.adk.sessions.GetSessionConfig;
import com.google.adk.sessions.Session;
import com.google.adk.sessions.SessionException;
import com.google.adk.sessions.SessionNotFoundException;
import com.google.adk.sessions.State;
import com.google.genai.types.Content;
import com.google.genai.types.Part;
import dev.harbor.state.ListScope;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The behaviours where this service differs from ADK's in-memory one on purpose, and the ids. */
class HarborSessionServiceTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** A typed null: a bare null picks ADK's deprecated ConcurrentMap overload. */
  private static final Map<String, Object> NO_STATE = null;

  @TempDir Path dir;

  private StateStore store;
  private HarborSessionService service;

  @BeforeEach
  void open() {
    store = StateStores.open("sqlite:" + dir.resolve("adk.db"));
    service = new HarborSessionService(store, Keys::one, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static Event event(String id, long timestamp, Map<String, Object> delta) {
    return Event.builder()
        .id(id)
        .invocationId("inv")
        .author("agent")
        .content(Content.fromParts(Part.fromText("text of " + id)))
        .actions(EventActions.builder().stateDelta(new ConcurrentHashMap<>(delta)).build())
        .timestamp(timestamp)
        .build();
  }

  private Session get(String app, String user, String id) {
    return service.getSession(app, user, id, Optional.empty()).blockingGet();
  }

  private List<String> eventIds(Session s) {
    List<String> ids = new ArrayList<>();
    s.events().forEach(e -> ids.add(e.id()));
    return ids;
  }

  @Test
  void tempKeys_areNeverStored_neitherFromCreateNorFromDeltas() {
    Map<String, Object> initial = new HashMap<>(Map.of("temp:a", 1, "k", 1));
    Session s = service.createSession("app", "u", initial, "s").blockingGet();
    assertThat(s.state()).doesNotContainKey("temp:a").containsEntry("k", 1);
    service.appendEvent(s, event("e1", 1000, Map.of("temp:b", 2, "app:temp:c", 3)));

    assertThat(s.state()).doesNotContainKey("temp:b"); // the caller's object: as ADK's default
    Session read = get("app", "u", "s");
    assertThat(read.state()).containsOnlyKeys("k", "app:temp:c");
    assertThat(read.events().get(0).actions().stateDelta()).containsOnlyKeys("app:temp:c");
    for (StateRecord r : store.listKind(ListScope.MAINTENANCE, "adk.")) {
      String text = new String(r.bytes(), StandardCharsets.UTF_8);
      assertThat(text).doesNotContain("\"temp:a\"").doesNotContain("\"temp:b\"");
    }
  }

  @Test
  void appendEvent_sameEventTwice_storesItOnce_andAppliesItsDeltaOnce() {
    Session s = service.createSession("app", "u", NO_STATE, "s").blockingGet();
    Event first = event("e1", 1000, Map.of("k", 1, "app:n", 1));
    service.appendEvent(s, first);
    service.appendEvent(s, event("e2", 2000, Map.of("k", 2, "app:n", 2)));

    // A retry of the first append, on a fresh object and on another store instance.
    Session again = get("app", "u", "s");
    Event retried =
        service.appendEvent(again, event("e1", 1000, Map.of("k", 1, "app:n", 1))).blockingGet();
    try (StateStore other = StateStores.open("sqlite:" + dir.resolve("adk.db"))) {
      new HarborSessionService(other).appendEvent(get("app", "u", "s"), first);
    }

    assertThat(retried).isEqualTo(first);
    Session read = get("app", "u", "s");
    assertThat(eventIds(read)).containsExactly("e1", "e2");
    assertThat(read.state()).containsEntry("k", 2).containsEntry("app:n", 2);
    assertThat(again.events()).hasSize(2); // the no-op left the caller's object alone
  }

  @Test
  void appendEvent_sameIdOtherContent_throws_andStoresNothing() {
    Session s = service.createSession("app", "u", NO_STATE, "s").blockingGet();
    service.appendEvent(s, event("e1", 1000, Map.of("k", 1)));

    assertThatThrownBy(() -> service.appendEvent(s, event("e1", 1000, Map.of("k", 99))))
        .isInstanceOf(SessionException.class)
        .hasMessageContaining("already holds another event with id e1");
    assertThat(get("app", "u", "s").state()).containsEntry("k", 1);
    assertThat(get("app", "u", "s").events()).hasSize(1);
  }

  @Test
  void appendEvent_partial_changesNothing() {
    Session s = service.createSession("app", "u", NO_STATE, "s").blockingGet();
    Event partial = event("p", 5000, Map.of("k", 1, "app:a", 1));
    partial.setPartial(true);

    assertThat(service.appendEvent(s, partial).blockingGet()).isSameAs(partial);
    Session read = get("app", "u", "s");
    assertThat(read.events()).isEmpty();
    assertThat(read.state()).isEmpty();
    assertThat(read.lastUpdateTime()).isEqualTo(NOW);
  }

  @Test
  void appendEvent_throughAFilteredOrStaleSession_losesNoStoredEvent() {
    service.createSession("app", "u", NO_STATE, "s").blockingGet();
    Session stale = get("app", "u", "s");
    service.appendEvent(get("app", "u", "s"), event("e1", 1000, Map.of("a", 1)));
    service.appendEvent(get("app", "u", "s"), event("e2", 2000, Map.of("b", 2)));
    Session recent =
        service
            .getSession(
                "app", "u", "s", Optional.of(GetSessionConfig.builder().numRecentEvents(1).build()))
            .blockingGet();

    service.appendEvent(recent, event("e3", 3000, Map.of("c", 3)));
    service.appendEvent(stale, event("e4", 4000, Map.of("d", 4)));

    Session read = get("app", "u", "s");
    assertThat(eventIds(read)).containsExactly("e1", "e2", "e3", "e4");
    assertThat(read.state()).containsOnlyKeys("a", "b", "c", "d");
    assertThat(read.lastUpdateTime()).isEqualTo(Instant.ofEpochMilli(4000));
  }

  @Test
  void appendEvent_afterDelete_orToARecreatedSession_throws_andStoresNothing() {
    Session old = service.createSession("app", "u", NO_STATE, "s").blockingGet();
    service.deleteSession("app", "u", "s").blockingAwait();

    assertThatThrownBy(() -> service.appendEvent(old, event("e1", 1000, Map.of())))
        .isInstanceOf(SessionNotFoundException.class)
        .hasMessageContaining("does not exist");

    service.createSession("app", "u", Map.of("fresh", true), "s").blockingGet();
    assertThatThrownBy(() -> service.appendEvent(old, event("e1", 1000, Map.of())))
        .isInstanceOf(SessionException.class)
        .hasMessageContaining("deleted and created again");
    Session fresh = get("app", "u", "s");
    assertThat(fresh.events()).isEmpty();
    service.appendEvent(fresh, event("e1", 1000, Map.of()));
    assertThat(eventIds(get("app", "u", "s"))).containsExactly("e1");
  }

  @Test
  void createSession_replacingASession_dropsItsEvents_keepsAppAndUserState() {
    Session s = service.createSession("app", "u", NO_STATE, "s").blockingGet();
    service.appendEvent(s, event("e1", 1000, Map.of("own", 1, "app:a", 1, "user:b", 2)));

    Session replaced = service.createSession("app", "u", Map.of("x", 1), "s").blockingGet();

    assertThat(replaced.events()).isEmpty();
    assertThat(replaced.state())
        .containsOnly(Map.entry("x", 1), Map.entry("app:a", 1), Map.entry("user:b", 2));
    assertThat(store.listKind(ListScope.MAINTENANCE, HarborSessionService.EVENT_PREFIX)).isEmpty();
    assertThat(store.listKind(ListScope.MAINTENANCE, HarborSessionService.INDEX_PREFIX)).isEmpty();
  }

  @Test
  void deleteSession_removesItsEventsAndIndex_keepsOtherSessions() {
    Session s = service.createSession("app", "u", NO_STATE, "s").blockingGet();
    Session t = service.createSession("app", "u", NO_STATE, "t").blockingGet();
    service.appendEvent(s, event("e1", 1000, Map.of()));
    service.appendEvent(t, event("e2", 1000, Map.of()));

    service.deleteSession("app", "u", "s").blockingAwait();

    assertThat(get("app", "u", "s")).isNull();
    assertThat(eventIds(get("app", "u", "t"))).containsExactly("e2");
    assertThat(store.listKind(ListScope.MAINTENANCE, "adk.e.")).hasSize(1);
    assertThat(store.listKind(ListScope.MAINTENANCE, "adk.x.")).hasSize(1);
  }

  @Test
  void hostileIds_everyCombination_isItsOwnSession() {
    String longId = "L".repeat(5_000);
    List<String> ids =
        List.of(
            "",
            "/",
            "a/b",
            "a",
            "1:a",
            "=a",
            "#a",
            "!app",
            "!user",
            "\u0000",
            "\uD800",
            "\uDC00",
            "\uD800\uDC00",
            "\uFFFD",
            longId,
            longId + "x",
            "日本語",
            "?");
    Map<List<String>, String> expected = new LinkedHashMap<>();
    int n = 0;
    for (String app : List.of("", "a", "/", "\u0000", longId)) {
      for (String user : ids) {
        for (String id : List.of("s", "\uD800", "", "x/y", longId)) {
          String session = id.isEmpty() ? "sid" : id; // an empty id means "generate one"
          String marker = "v" + n++;
          service.createSession(app, user, Map.of("marker", marker), session).blockingGet();
          expected.put(List.of(app, user, session), marker);
        }
      }
    }
    expected.forEach(
        (key, marker) -> {
          Session s = get(key.get(0), key.get(1), key.get(2));
          assertThat(s).as(key.toString()).isNotNull();
          assertThat(s.state()).as(key.toString()).containsEntry("marker", marker);
          assertThat(s.id()).isEqualTo(key.get(2));
        });
    // Pairs that a naive "app/user" or "app + user" join would merge are apart.
    service.createSession("a", "b/c", Map.of("m", 1), "s").blockingGet();
    service.createSession("a/b", "c", Map.of("m", 2), "s").blockingGet();
    service.createSession("ab", "c", Map.of("m", 3), "s").blockingGet();
    assertThat(get("a", "b/c", "s").state()).containsEntry("m", 1);
    assertThat(get("a/b", "c", "s").state()).containsEntry("m", 2);
    assertThat(get("ab", "c", "s").state()).containsEntry("m", 3);
    assertThat(service.listSessions("a", "b/c").blockingGet().sessionIds()).containsExactly("s");
    assertThat(service.listSessions("a", "\uD800").blockingGet().sessionIds())
        .containsExactlyInAnyOrder("s", "\uD800", "sid", "x/y", longId);
  }

  @Test
  void loneSurrogates_inStateKeysValuesAndEventText_roundTrip() {
    Session s = service.createSession("app", "u", Map.of("\uD800k", "\uDC00v"), "s").blockingGet();
    Event e = event("e\uD800", 1000, Map.of("\uDBFFx", List.of("\uD800")));
    service.appendEvent(s, e);
    try (StateStore other = StateStores.open("sqlite:" + dir.resolve("adk.db"))) {
      Session read =
          new HarborSessionService(other)
              .getSession("app", "u", "s", Optional.empty())
              .blockingGet();
      assertThat(read.state())
          .containsEntry("\uD800k", "\uDC00v")
          .containsEntry("\uDBFFx", List.of("\uD800"));
      assertThat(read.events()).containsExactly(e);
    }
  }

  @Test
  void removedSentinel_inADelta_readsBackAsTheSentinel() {
    Session s = service.createSession("app", "u", Map.of("k", 1), "s").blockingGet();
    Map<String, Object> delta = new HashMap<>();
    delta.put("k", State.REMOVED);
    delta.put("plain", "__ADK_SENTINEL_REMOVED__"); // a user's string that happens to look alike
    service.appendEvent(s, event("e1", 1000, delta));

    Event read = service.listEvents("app", "u", "s").blockingGet().events().get(0);
    assertThat(read.actions().stateDelta().get("k")).isSameAs(State.REMOVED);
    assertThat(read.actions().stateDelta().get("plain")).isEqualTo("__ADK_SENTINEL_REMOVED__");
    assertThat(get("app", "u", "s").state())
        .containsOnly(Map.entry("plain", "__ADK_SENTINEL_REMOVED__"));
  }

  @Test
  void badInput_clearException_nothingStored() {
    Session s = service.createSession("app", "u", NO_STATE, "s").blockingGet();
    Event noId = event("x", 1000, Map.of());
    noId.setId(null);
    assertThatThrownBy(() -> service.appendEvent(s, noId))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs an id");
    assertThatThrownBy(
            () ->
                service.getSession(
                    "app",
                    "u",
                    "s",
                    Optional.of(GetSessionConfig.builder().numRecentEvents(-1).build())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numRecentEvents");
    assertThatThrownBy(() -> service.appendEvent(s, event("y", 1000, Map.of("k", new Object()))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JSON");
    assertThatThrownBy(
            () -> service.createSession("app", "u", Map.of("k", new Object()), "t").blockingGet())
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(get("app", "u", "s").events()).isEmpty();
    assertThat(get("app", "u", "t")).isNull();
  }

  @Test
  void sessions_surviveAStoreRestart() {
    Session s = service.createSession("app", "u", Map.of("k", 1), "s").blockingGet();
    service.appendEvent(s, event("e1", 1000, Map.of("app:a", 1, "user:b", 2)));
    Session before = get("app", "u", "s");
    store.close();

    store = StateStores.open("sqlite:" + dir.resolve("adk.db"));
    Session after =
        new HarborSessionService(store).getSession("app", "u", "s", Optional.empty()).blockingGet();

    assertThat(new HashMap<>(after.state())).isEqualTo(new HashMap<>(before.state()));
    assertThat(after.events()).isEqualTo(before.events());
    assertThat(after.lastUpdateTime()).isEqualTo(before.lastUpdateTime());
  }

  @Test
  void defaultTenant_isTheApp_soErasingItErasesTheAppOnly() {
    HarborSessionService byApp = new HarborSessionService(store);
    byApp.createSession("one", "u", Map.of("k", 1), "s").blockingGet();
    byApp.createSession("two", "u", Map.of("k", 2), "s").blockingGet();

    store.eraseTenant(ListScope.MAINTENANCE, Keys.one("one"), 10_000);

    assertThat(byApp.getSession("one", "u", "s", Optional.empty()).blockingGet()).isNull();
    assertThat(byApp.getSession("two", "u", "s", Optional.empty()).blockingGet()).isNotNull();
  }

  @Test
  void eraseUser_removesTheUsersSessionsEventsAndUserState_only() {
    Session s = service.createSession("app", "alice", NO_STATE, "s").blockingGet();
    service.appendEvent(s, event("e1", 1000, Map.of("user:x", 1, "app:y", 2)));
    Session t = service.createSession("app", "bob", NO_STATE, "s").blockingGet();
    service.appendEvent(t, event("e2", 1000, Map.of("user:x", 3)));

    assertThat(service.eraseUser("app", "alice")).isEqualTo(4); // header, user state, event, index

    assertThat(get("app", "alice", "s")).isNull();
    assertThat(service.createSession("app", "alice", NO_STATE, "n").blockingGet().state())
        .containsOnly(Map.entry("app:y", 2));
    assertThat(get("app", "bob", "s").state()).containsEntry("user:x", 3);
  }
}
