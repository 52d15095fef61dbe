package dev.harbor.state.adk;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.adk.events.Event;
import com.google.adk.events.EventActions;
import com.google.adk.sessions.BaseSessionService;
import com.google.adk.sessions.GetSessionConfig;
import com.google.adk.sessions.InMemorySessionService;
import com.google.adk.sessions.Session;
import com.google.adk.sessions.State;
import com.google.genai.types.Content;
import com.google.genai.types.Part;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The same seeded random sequences of create / get (with {@code numRecentEvents} and {@code
 * afterTimestamp}) / list / listEvents / append / delete run on ADK's own {@link
 * InMemorySessionService} and on {@link HarborSessionService}; every result is compared field by
 * field: ids, app, user, state, every event ({@link Event#equals}: id, author, content, actions and
 * its state delta, timestamp, ...), and {@code lastUpdateTime}.
 *
 * <p>What is normalized, and why (each is a documented, intended difference, tested on its own in
 * {@link HarborSessionServiceTest}):
 *
 * <ul>
 *   <li>{@code temp:} keys are removed from the reference's state and from its events' state deltas
 *       before comparing: the reference stores them, this service never does.
 *   <li>{@code lastUpdateTime} of a session with no append since its creation: the reference reads
 *       the wall clock; ours comes from the injected fixed clock, and is asserted to be exactly it.
 *       After an append both are the event's timestamp and are compared.
 *   <li>Session ids the service generates (null or blank id) are random UUIDs on both sides: the
 *       test maps one to the other.
 *   <li>The generator never appends a partial event, never re-appends an event id, never appends
 *       through a stale {@code Session} (each append reads the session first, or follows the
 *       previous append on the same object) and never passes a negative {@code numRecentEvents}:
 *       there the reference loses or duplicates events, which this service refuses to do.
 * </ul>
 */
class HarborSessionServiceDifferentialTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static final String LONG = "x".repeat(300);

  private static final List<String> APPS = List.of("app", "", "/", "a/b", LONG, "\u0000", "\uD800");
  private static final List<String> USERS =
      List.of("u", "", "/", "u/", "\uDC00", LONG + "u", "\u0000\u0000", "ü");
  private static final List<String> SESSION_IDS =
      List.of("s", "s2", "/", "a/b", LONG, "\uD800x", "\u0000", "  s  ", "日本");
  private static final List<String> KEYS =
      List.of("k", "k2", "app:a", "app:b", "user:u", "user:v", "temp:t", "app:", "\uD800");

  @Test
  void inmemStore_1000Sequences_noDifference() {
    for (int seed = 0; seed < 1_000; seed++) {
      try (StateStore store = StateStores.open("inmem:")) {
        new Run(seed, store, 40).run();
      }
    }
  }

  @Test
  void sqliteStore_30Sequences_noDifference() {
    for (int seed = 10_000; seed < 10_030; seed++) {
      try (StateStore store = StateStores.open("sqlite::memory:")) {
        new Run(seed, store, 40).run();
      }
    }
  }

  @Test
  void postgresStore_10Sequences_noDifference() {
    try (ScratchLocation scratch = TestPostgres.scratch()) {
      for (int seed = 20_000; seed < 20_010; seed++) {
        try (StateStore store = StateStores.open(scratch.location())) {
          // One schema for all: each sequence works in its own apps.
          new Run(seed, store, 40, "p" + seed + "-").run();
        }
      }
    }
  }

  /** One sequence on both services. */
  private static final class Run {
    private final int seed;
    private final Random random;
    private final int steps;
    private final String appPrefix;
    private final InMemorySessionService reference = new InMemorySessionService();
    private final HarborSessionService ours;

    /** Session ids the reference generated → ours, per (app, user). */
    private final Map<List<String>, Map<String, String>> generated = new HashMap<>();

    /** Sessions (app, user, reference id) whose lastUpdateTime is still the creation time. */
    private final Map<List<String>, Boolean> createdOnly = new HashMap<>();

    private long timestamp = NOW.toEpochMilli();
    private int eventCounter;
    private final List<String> log = new ArrayList<>();

    Run(int seed, StateStore store, int steps) {
      this(seed, store, steps, "");
    }

    Run(int seed, StateStore store, int steps, String appPrefix) {
      this.seed = seed;
      this.random = new Random(seed);
      this.steps = steps;
      this.appPrefix = appPrefix;
      this.ours = new HarborSessionService(store, Keys::one, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    void run() {
      for (int step = 0; step < steps; step++) {
        String app = appPrefix + pick(APPS.subList(0, 1 + random.nextInt(2) * (APPS.size() - 1)));
        String user = pick(USERS.subList(0, 1 + random.nextInt(2) * (USERS.size() - 1)));
        int op = random.nextInt(100);
        if (op < 20) {
          create(app, user);
        } else if (op < 40) {
          get(app, user);
        } else if (op < 48) {
          list(app, user);
        } else if (op < 55) {
          listEvents(app, user);
        } else if (op < 92) {
          append(app, user);
        } else {
          delete(app, user);
        }
      }
    }

    private String where() {
      return "seed " + seed + ", after " + log;
    }

    private <T> T pick(List<T> list) {
      return list.get(random.nextInt(list.size()));
    }

    /** A session id to use on both sides: one known (possibly generated), or one from the pool. */
    private String[] sessionId(String app, String user) {
      Map<String, String> known = generated.getOrDefault(List.of(app, user), Map.of());
      if (!known.isEmpty() && random.nextInt(3) == 0) {
        String ref = pick(new ArrayList<>(new TreeMap<>(known).keySet()));
        return new String[] {ref, known.get(ref)};
      }
      String id = pick(SESSION_IDS);
      return new String[] {id, id};
    }

    private void create(String app, String user) {
      Map<String, Object> state = random.nextInt(3) == 0 ? null : state();
      int choice = random.nextInt(10);
      String requested = choice == 0 ? null : choice == 1 ? "   " : pick(SESSION_IDS);
      log.add("create(" + brief(app) + "," + brief(user) + "," + brief(requested) + ")");
      Session ref = reference.createSession(app, user, copy(state), requested).blockingGet();
      Session got = ours.createSession(app, user, copy(state), requested).blockingGet();
      if (requested == null || requested.trim().isEmpty()) { // trim() also drops NUL
        generated.computeIfAbsent(List.of(app, user), k -> new HashMap<>()).put(ref.id(), got.id());
      } else {
        assertThat(got.id()).as(where()).isEqualTo(ref.id());
      }
      createdOnly.put(List.of(app, user, ref.id()), true);
      assertSame(ref, got, true);
    }

    private void get(String app, String user) {
      String[] id = sessionId(app, user);
      GetSessionConfig.Builder config = GetSessionConfig.builder();
      int kind = random.nextInt(4);
      if (kind == 1 || kind == 3) {
        config.numRecentEvents(random.nextInt(6));
      }
      if (kind == 2 || kind == 3) {
        config.afterTimestamp(Instant.ofEpochMilli(timestamp - random.nextInt(8_000)));
      }
      Optional<GetSessionConfig> options =
          kind == 0 && random.nextBoolean() ? Optional.empty() : Optional.of(config.build());
      log.add("get(" + brief(id[0]) + "," + options + ")");
      Optional<Session> ref =
          Optional.ofNullable(reference.getSession(app, user, id[0], options).blockingGet());
      Optional<Session> got =
          Optional.ofNullable(ours.getSession(app, user, id[1], options).blockingGet());
      assertThat(got.isPresent()).as(where()).isEqualTo(ref.isPresent());
      ref.ifPresent(r -> assertSame(r, got.get(), false));
    }

    private void list(String app, String user) {
      log.add("list(" + brief(app) + "," + brief(user) + ")");
      List<Session> ref =
          new ArrayList<>(reference.listSessions(app, user).blockingGet().sessions());
      List<Session> got = new ArrayList<>(ours.listSessions(app, user).blockingGet().sessions());
      Map<String, String> ids = generated.getOrDefault(List.of(app, user), Map.of());
      ref.sort(Comparator.comparing(s -> ids.getOrDefault(s.id(), s.id())));
      got.sort(Comparator.comparing(Session::id));
      assertThat(got).as(where()).hasSameSizeAs(ref);
      for (int i = 0; i < ref.size(); i++) {
        assertThat(got.get(i).id())
            .as(where())
            .isEqualTo(ids.getOrDefault(ref.get(i).id(), ref.get(i).id()));
        assertSame(ref.get(i), got.get(i), false);
      }
    }

    private void listEvents(String app, String user) {
      String[] id = sessionId(app, user);
      log.add("listEvents(" + brief(id[0]) + ")");
      List<Event> ref = reference.listEvents(app, user, id[0]).blockingGet().events();
      List<Event> got = ours.listEvents(app, user, id[1]).blockingGet().events();
      assertThat(got).as(where()).isEqualTo(withoutTemp(ref));
    }

    private void append(String app, String user) {
      String[] id = sessionId(app, user);
      Session refSession = reference.getSession(app, user, id[0], Optional.empty()).blockingGet();
      Session ourSession = ours.getSession(app, user, id[1], Optional.empty()).blockingGet();
      assertThat(ourSession == null).as(where()).isEqualTo(refSession == null);
      if (refSession == null) {
        return;
      }
      int count = 1 + random.nextInt(3);
      for (int i = 0; i < count; i++) {
        Supplier<Event> event = event();
        log.add("append(" + brief(id[0]) + ")");
        Event ref = reference.appendEvent(refSession, event.get()).blockingGet();
        Event got = ours.appendEvent(ourSession, event.get()).blockingGet();
        assertThat(got).as(where()).isEqualTo(ref);
        createdOnly.remove(List.of(app, user, id[0]));
        // The callers' objects: events read from the store (no temp: keys), then those appended.
        assertThat(withoutTemp(ourSession.events()))
            .as(where())
            .isEqualTo(withoutTemp(refSession.events()));
        assertSame(refSession, ourSession, false, false);
      }
    }

    private void delete(String app, String user) {
      String[] id = sessionId(app, user);
      log.add("delete(" + brief(id[0]) + ")");
      reference.deleteSession(app, user, id[0]).blockingAwait();
      ours.deleteSession(app, user, id[1]).blockingAwait();
    }

    /** Two equal events (one per service): each service keeps the object it was given. */
    private Supplier<Event> event() {
      String eventId = "e" + seed + "-" + eventCounter++;
      // Mostly forward, sometimes equal or backward: afterTimestamp must cope with both.
      timestamp += random.nextInt(10) == 0 ? -random.nextInt(3_000) : random.nextInt(3_000);
      long at = timestamp;
      String author = random.nextBoolean() ? "user" : "agent";
      String text = random.nextInt(5) == 0 ? "\uD800 lone" : "text " + random.nextInt(1000);
      Map<String, Object> delta = new LinkedHashMap<>();
      int keys = random.nextInt(4);
      for (int k = 0; k < keys; k++) {
        delta.put(pick(KEYS), random.nextInt(4) == 0 ? State.REMOVED : value());
      }
      boolean turnComplete = random.nextBoolean();
      String branch = random.nextInt(4) == 0 ? "root.child" : null;
      return () ->
          Event.builder()
              .id(eventId)
              .invocationId("inv-" + seed)
              .author(author)
              .content(
                  Content.builder()
                      .role(author.equals("user") ? "user" : "model")
                      .parts(List.of(Part.fromText(text)))
                      .build())
              .actions(EventActions.builder().stateDelta(new ConcurrentHashMap<>(delta)).build())
              .turnComplete(turnComplete)
              .branch(branch)
              .timestamp(at)
              .build();
    }

    private Map<String, Object> state() {
      Map<String, Object> state = new LinkedHashMap<>();
      int n = random.nextInt(4);
      for (int i = 0; i < n; i++) {
        state.put(pick(KEYS), value());
      }
      return state;
    }

    /** A JSON-natural value: what a stored state value reads back as. */
    private Object value() {
      switch (random.nextInt(6)) {
        case 0:
          return random.nextInt(100);
        case 1:
          return "v" + random.nextInt(10);
        case 2:
          return random.nextBoolean();
        case 3:
          return random.nextInt(100) / 4.0;
        case 4:
          return List.of(1, "two", Map.of("three", 3));
        default:
          return Map.of("nested", List.of(random.nextInt(5)), "s", "\uDBFF\uDFFF");
      }
    }

    private static Map<String, Object> copy(Map<String, Object> state) {
      return state == null ? null : new HashMap<>(state);
    }

    /** Field by field, less the normalizations in the class comment. */
    private void assertSame(Session ref, Session got, boolean justCreated) {
      assertSame(ref, got, justCreated, true);
    }

    private void assertSame(Session ref, Session got, boolean justCreated, boolean stored) {
      assertThat(got.appName()).as(where()).isEqualTo(ref.appName());
      assertThat(got.userId()).as(where()).isEqualTo(ref.userId());
      assertThat(new HashMap<>(got.state())).as(where()).isEqualTo(withoutTemp(ref.state()));
      if (stored) {
        assertThat(got.events()).as(where()).isEqualTo(withoutTemp(ref.events()));
      }
      if (justCreated || createdOnly.containsKey(List.of(ref.appName(), ref.userId(), ref.id()))) {
        assertThat(got.lastUpdateTime()).as(where()).isEqualTo(NOW);
      } else {
        assertThat(got.lastUpdateTime()).as(where()).isEqualTo(ref.lastUpdateTime());
      }
    }

    /**
     * The events as stored: their deltas without temp: keys (the given objects are not changed).
     */
    private static List<Event> withoutTemp(List<Event> events) {
      List<Event> copies = new ArrayList<>();
      for (Event e : events) {
        if (e.actions().stateDelta().keySet().stream()
            .noneMatch(k -> k.startsWith(State.TEMP_PREFIX))) {
          copies.add(e);
          continue;
        }
        Map<String, Object> delta = new ConcurrentHashMap<>(e.actions().stateDelta());
        delta.keySet().removeIf(k -> k.startsWith(State.TEMP_PREFIX));
        copies.add(
            e.toBuilder().actions(e.actions().toBuilder().stateDelta(delta).build()).build());
      }
      return copies;
    }

    private static Map<String, Object> withoutTemp(Map<String, Object> state) {
      Map<String, Object> copy = new HashMap<>(state);
      copy.keySet().removeIf(k -> k.startsWith(State.TEMP_PREFIX));
      return copy;
    }

    /** Short and printable: reports stop at a NUL. */
    private static String brief(String s) {
      if (s == null) {
        return "null";
      }
      StringBuilder b = new StringBuilder();
      for (char c : (s.length() > 12 ? s.substring(0, 12) + "…" : s).toCharArray()) {
        b.append(c < 0x20 || Character.isSurrogate(c) ? String.format("\\u%04x", (int) c) : c);
      }
      return b.toString();
    }
  }

  /** Keeps the compiler honest that both are the interface ADK's Runner takes. */
  @SuppressWarnings("unused")
  private static final List<Class<? extends BaseSessionService>> BOTH =
      List.of(InMemorySessionService.class, HarborSessionService.class);
}
