package dev.harbor.state.adk;

import com.google.adk.events.Event;
import com.google.adk.sessions.BaseSessionService;
import com.google.adk.sessions.GetSessionConfig;
import com.google.adk.sessions.ListEventsResponse;
import com.google.adk.sessions.ListSessionsResponse;
import com.google.adk.sessions.Session;
import com.google.adk.sessions.SessionException;
import com.google.adk.sessions.SessionNotFoundException;
import com.google.adk.sessions.State;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Maybe;
import io.reactivex.rxjava3.core.Single;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Google ADK's {@link BaseSessionService} on a Harbor State store: sessions, their event logs and
 * their state survive restarts, and any number of processes may serve one session at once.
 *
 * <h2>Behaviour: ADK's {@code InMemorySessionService}, durable</h2>
 *
 * Every call does what ADK 1.8's {@code InMemorySessionService} does, checked by a differential
 * test over thousands of random sequences: {@code createSession} trims the session id (null or
 * blank: a random UUID) and replaces a session of the same id; {@code getSession} applies {@code
 * numRecentEvents}, then {@code afterTimestamp}; sessions from {@code listSessions} have no events;
 * a missing session is an empty {@code getSession}, an empty {@code listEvents} and a no-op {@code
 * deleteSession}. State keys starting with {@code app:} are shared by the app's sessions, {@code
 * user:} by the user's sessions in the app, and every session's state shows them merged over its
 * own; a session's own state also keeps, as in ADK, the {@code app:}/{@code user:} values it saw at
 * its last append. {@code lastUpdateTime} is the creation time (from this service's {@link Clock}),
 * then the timestamp of the last appended event. Where ADK's in-memory service falls short of
 * durable storage, this service differs, on purpose:
 *
 * <ul>
 *   <li>{@code temp:} keys are never stored: not in a session's state (the in-memory service keeps
 *       those of the initial state and of deltas in the session it stores) and not in a stored
 *       event's state delta (as ADK for Python trims them); the caller's {@code Session} object
 *       gets none either, as with {@link BaseSessionService#appendEvent}'s default, and the
 *       caller's {@code Event} object is left as it is.
 *   <li>{@code appendEvent} is idempotent on the event's id: appending an event whose id the
 *       session already holds changes nothing and returns the event (the same id with other
 *       content: a {@link SessionException}). Event ids must be non-empty.
 *   <li>{@code appendEvent} applies the event to the stored session, not the caller's copy: a
 *       {@code Session} read with {@code numRecentEvents}, or read before another runner appended,
 *       loses no stored event (the in-memory service stores the caller's object). Appending to a
 *       session that was deleted, or deleted and created again since the caller's {@code Session}
 *       was read, throws {@link SessionNotFoundException} or {@link SessionException} and stores
 *       nothing (the in-memory service silently brings the old one back).
 *   <li>A partial event changes nothing, as {@link BaseSessionService#appendEvent} documents (the
 *       in-memory service applies its state delta; ADK's {@code Runner} never appends one).
 *   <li>State values are stored as JSON by ADK's own mapper and read back as Jackson reads JSON
 *       (strings, numbers, booleans, lists, maps); a value it cannot write fails the call before
 *       anything is stored.
 * </ul>
 *
 * <h2>Two runners, one session</h2>
 *
 * An append is one {@code saveBatchIf}: the event, its id's index entry, the session's header (next
 * sequence, own state) and, when the delta has {@code app:}/{@code user:} keys, the app's or user's
 * state, each expected exactly as it was read. When another runner (another node, another store
 * instance) appended first, the condition fails, nothing is written, and the append reads again and
 * applies its delta to what the other wrote: no event is lost, each delta is applied once, each
 * writer's events keep their order, and the log never forks. After {@value #MAX_ATTEMPTS} lost
 * races in a row the caller gets a {@link SessionException} and nothing of the event is stored.
 *
 * <h2>Identity</h2>
 *
 * Let {@code enc(s)} be {@code "=" + s} when {@code s} is well-formed UTF-16 without NUL and at
 * most 120 UTF-8 bytes, else {@code "#"} and the SHA-256 (hex) of its UTF-16 code units; {@code
 * pair(a, u)} the same of {@code a.length() + ":" + a + u}. Both are injective for every Java
 * string (empty, {@code "/"}, NUL, lone surrogates, megabytes), at most 121 bytes, and never start
 * with {@code "!"}. The original ids are stored in the session header and checked on every read.
 * With tenant {@code T = tenantOfApp(app)} (by default {@code enc(app)}):
 *
 * <table>
 *   <caption>Where each thing is stored</caption>
 *   <tr><th>what</th><th>(tenant, user, session, run)</th><th>kind</th></tr>
 *   <tr><td>session header (ids, state, last update)</td><td>(T, pair(app, user), "!user", "")</td>
 *       <td>{@code adk.s.} + enc(session)</td></tr>
 *   <tr><td>{@code user:} state of (app, user)</td><td>(T, pair(app, user), "!user", "")</td>
 *       <td>{@code adk.user}</td></tr>
 *   <tr><td>{@code app:} state of app</td><td>(T, "!" + enc(app), "!app", "")</td>
 *       <td>{@code adk.app}</td></tr>
 *   <tr><td>event number n</td><td>(T, pair(app, user), enc(session), "")</td>
 *       <td>{@code adk.e.} + incarnation + {@code .} + n (19 digits)</td></tr>
 *   <tr><td>event id index</td><td>(T, pair(app, user), enc(session), "")</td>
 *       <td>{@code adk.x.} + incarnation + {@code .} + enc(event id)</td></tr>
 * </table>
 *
 * The incarnation is a fresh random id per {@code createSession}, so re-creating a session never
 * mixes in the old one's events. A user's data is erased with {@code eraseUser(T, pair(app,
 * user))}, an app's (by default) with {@code eraseTenant(enc(app))}.
 *
 * <p>Calls run on the calling thread when they are made (as the in-memory service's do), and throw
 * the store's exceptions directly; the returned {@code Single}/{@code Maybe}/{@code Completable}
 * holds the result. Thread-safe.
 */
public final class HarborSessionService implements BaseSessionService {

  /** Appends that may lose a race in a row before the caller is told. */
  static final int MAX_ATTEMPTS = 100;

  static final String HEADER_PREFIX = "adk.s.";
  static final String USER_STATE = "adk.user";
  static final String APP_STATE = "adk.app";
  static final String EVENT_PREFIX = "adk.e.";
  static final String INDEX_PREFIX = "adk.x.";
  static final String USER_SCOPE = "!user";
  static final String APP_SCOPE = "!app";

  private final StateStore store;
  private final Function<String, String> tenantOfApp;
  private final Clock clock;

  /**
   * The incarnation each {@code Session} object this service handed out belongs to: an append
   * through an object of an older incarnation fails instead of landing in the new session. Sessions
   * compare by identity, so a weak identity map.
   */
  private final Map<Session, String> incarnations =
      Collections.synchronizedMap(new WeakHashMap<>());

  /**
   * A session service whose tenant is the app: {@code enc(appName)} (see the class comment).
   *
   * @param store the store; the caller closes it
   * @throws NullPointerException if the store is null
   */
  public HarborSessionService(StateStore store) {
    this(store, Keys::one, Clock.systemUTC());
  }

  /**
   * A session service for multi-tenant deployments: each app's sessions live in the tenant {@code
   * tenantOfApp} names, so one app can serve many tenants through one service per tenant (for
   * example {@code app -> tenantId}), or many apps share one.
   *
   * @param store the store; the caller closes it
   * @param tenantOfApp the tenant of an app name; must return a valid, non-empty tenant id
   * @param clock the clock of new sessions' {@code lastUpdateTime}
   * @throws NullPointerException if an argument is null
   */
  public HarborSessionService(StateStore store, Function<String, String> tenantOfApp, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.tenantOfApp = Objects.requireNonNull(tenantOfApp, "tenantOfApp");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Where one session's records are. */
  private record Place(String app, String user, String id, Quadruple userScope, Quadruple session) {
    String headerKind() {
      return HEADER_PREFIX + Keys.one(id);
    }
  }

  private Place place(String app, String user, String id) {
    String tenant = Objects.requireNonNull(tenantOfApp.apply(app), "tenantOfApp returned null");
    String pair = Keys.pair(app, user);
    return new Place(
        app,
        user,
        id,
        new Quadruple(tenant, pair, USER_SCOPE, ""),
        new Quadruple(tenant, pair, Keys.one(id), ""));
  }

  private Quadruple appScope(String app) {
    String tenant = Objects.requireNonNull(tenantOfApp.apply(app), "tenantOfApp returned null");
    return new Quadruple(tenant, "!" + Keys.one(app), APP_SCOPE, "");
  }

  /**
   * Creates a session, as {@link #createSession(String, String, Map, String)}.
   *
   * @deprecated as in {@link BaseSessionService}: use {@link #createSession(String, String, Map,
   *     String)}
   */
  @Deprecated
  @Override
  @SuppressWarnings("InlineMeSuggester") // an override of ADK's method: callers call ADK's
  public Single<Session> createSession(
      String appName,
      String userId,
      @Nullable ConcurrentMap<String, Object> state,
      @Nullable String sessionId) {
    return createSession(appName, userId, (Map<String, Object>) state, sessionId);
  }

  /**
   * Creates a session, replacing one of the same id (its events and own state; the app's and user's
   * state stay). The initial state is the session's own, except {@code temp:} keys, which are
   * dropped.
   *
   * @param appName the app
   * @param userId the user
   * @param state the initial state, or null
   * @param sessionId the id, trimmed; null or blank for a random UUID
   * @return the session, with the app's and user's state merged in
   * @throws NullPointerException if the app, the user or a state value is null
   */
  @Override
  public Single<Session> createSession(
      String appName,
      String userId,
      @Nullable Map<String, Object> state,
      @Nullable String sessionId) {
    Objects.requireNonNull(appName, "appName cannot be null");
    Objects.requireNonNull(userId, "userId cannot be null");
    String id =
        Optional.ofNullable(sessionId)
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .orElseGet(() -> UUID.randomUUID().toString());
    Map<String, Object> own = new LinkedHashMap<>();
    if (state != null) {
      state.forEach(
          (key, value) -> {
            Objects.requireNonNull(value, () -> "state value of " + key + " is null");
            if (!key.startsWith(State.TEMP_PREFIX)) {
              own.put(key, value);
            }
          });
    }
    Place place = place(appName, userId, id);
    Instant now = clock.instant();
    String incarnation = EventId.newId().value();
    byte[] header =
        Json.header(new Json.Header(appName, userId, id, incarnation, 0, now, Map.copyOf(own)));
    for (int attempt = 1; ; attempt++) {
      Optional<StateRecord> old = store.find(place.userScope(), place.headerKind());
      Optional<Json.Header> replaced = old.map(r -> Json.header(r.bytes()));
      replaced.ifPresent(h -> checkOriginal(place, h));
      SlotExpectation expected =
          old.map(r -> SlotExpectation.exact(place.userScope(), r.kind(), r.id()))
              .orElseGet(() -> SlotExpectation.absent(place.userScope(), place.headerKind()));
      try {
        store.saveIf(
            List.of(expected),
            StateRecord.of(EventId.newId(), place.userScope(), place.headerKind(), header));
        // The replaced session's events are unreachable now: remove them.
        replaced.ifPresent(h -> deleteIncarnation(place, h.incarnation()));
        break;
      } catch (ConditionFailedException raced) {
        if (attempt >= MAX_ATTEMPTS) {
          throw new SessionException(
              "could not create session " + describe(place) + ": it kept changing", raced);
        }
      }
    }
    Session session =
        Session.builder(id)
            .appName(appName)
            .userId(userId)
            .state(merged(own, place))
            .lastUpdateTime(now)
            .build();
    incarnations.put(session, incarnation);
    return Single.just(session);
  }

  /**
   * The session, with its events filtered as {@code config} says and the app's and user's state
   * merged into its own.
   *
   * @param appName the app
   * @param userId the user
   * @param sessionId the session (not trimmed)
   * @param config {@code numRecentEvents} (keep the last n; must not be negative), then {@code
   *     afterTimestamp} (drop events before it)
   * @return the session, or empty
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code numRecentEvents} is negative
   */
  @Override
  public Maybe<Session> getSession(
      String appName, String userId, String sessionId, Optional<GetSessionConfig> config) {
    Objects.requireNonNull(appName, "appName cannot be null");
    Objects.requireNonNull(userId, "userId cannot be null");
    Objects.requireNonNull(sessionId, "sessionId cannot be null");
    Objects.requireNonNull(config, "configOpt cannot be null");
    Optional<Integer> recent = config.flatMap(GetSessionConfig::numRecentEvents);
    if (recent.isPresent() && recent.get() < 0) {
      throw new IllegalArgumentException("numRecentEvents must not be negative: " + recent.get());
    }
    Place place = place(appName, userId, sessionId);
    Optional<Json.Header> found = header(place);
    if (found.isEmpty()) {
      return Maybe.empty();
    }
    Json.Header h = found.get();
    List<Event> events = events(place, h);
    if (recent.isPresent() && recent.get() < events.size()) {
      events.subList(0, events.size() - recent.get()).clear();
    }
    Optional<Instant> after = config.flatMap(GetSessionConfig::afterTimestamp);
    if (after.isPresent()) {
      Instant threshold = after.get();
      events.removeIf(e -> Instant.ofEpochMilli(e.timestamp()).isBefore(threshold));
    }
    Session session =
        Session.builder(sessionId)
            .appName(appName)
            .userId(userId)
            .state(merged(h.state(), place))
            .events(events)
            .lastUpdateTime(h.lastUpdate())
            .build();
    incarnations.put(session, h.incarnation());
    return Maybe.just(session);
  }

  /**
   * The user's sessions in the app, without events, with state merged, ordered by encoded id.
   *
   * @param appName the app
   * @param userId the user
   * @return the sessions
   * @throws NullPointerException if an argument is null
   */
  @Override
  public Single<ListSessionsResponse> listSessions(String appName, String userId) {
    Objects.requireNonNull(appName, "appName cannot be null");
    Objects.requireNonNull(userId, "userId cannot be null");
    Place any = place(appName, userId, "");
    Map<String, Object> app = null;
    Map<String, Object> user = null;
    List<Session> sessions = new ArrayList<>();
    for (StateRecord r : store.listKindForIdentity(any.userScope(), HEADER_PREFIX)) {
      Json.Header h = Json.header(r.bytes());
      if (!h.app().equals(appName) || !h.user().equals(userId)) {
        throw collision(describe(any), h);
      }
      if (app == null || user == null) {
        app = appState(appName).state();
        user = userState(any).state();
      }
      sessions.add(
          Session.builder(h.id())
              .appName(appName)
              .userId(userId)
              .state(StateScopes.merged(h.state(), app, user))
              .lastUpdateTime(h.lastUpdate())
              .build());
    }
    return Single.just(ListSessionsResponse.builder().sessions(sessions).build());
  }

  /**
   * Deletes the session and its events; the app's and user's state stay. A missing session is no
   * error.
   *
   * @param appName the app
   * @param userId the user
   * @param sessionId the session
   * @return completed
   * @throws NullPointerException if an argument is null
   */
  @Override
  public Completable deleteSession(String appName, String userId, String sessionId) {
    Objects.requireNonNull(appName, "appName cannot be null");
    Objects.requireNonNull(userId, "userId cannot be null");
    Objects.requireNonNull(sessionId, "sessionId cannot be null");
    Place place = place(appName, userId, sessionId);
    for (int attempt = 1; ; attempt++) {
      Optional<StateRecord> found = store.find(place.userScope(), place.headerKind());
      if (found.isEmpty()) {
        break;
      }
      Json.Header h = Json.header(found.get().bytes());
      checkOriginal(place, h);
      if (store.deleteIf(
          SlotExpectation.exact(place.userScope(), place.headerKind(), found.get().id()))) {
        deleteIncarnation(place, h.incarnation());
        break;
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new SessionException(
            "could not delete session " + describe(place) + ": it kept changing");
      }
    }
    return Completable.complete();
  }

  /**
   * The session's events, oldest first; empty if there is no such session.
   *
   * @param appName the app
   * @param userId the user
   * @param sessionId the session
   * @return the events
   * @throws NullPointerException if an argument is null
   */
  @Override
  public Single<ListEventsResponse> listEvents(String appName, String userId, String sessionId) {
    Objects.requireNonNull(appName, "appName cannot be null");
    Objects.requireNonNull(userId, "userId cannot be null");
    Objects.requireNonNull(sessionId, "sessionId cannot be null");
    Place place = place(appName, userId, sessionId);
    List<Event> events = header(place).map(h -> events(place, h)).orElseGet(List::of);
    return Single.just(ListEventsResponse.builder().events(events).build());
  }

  /**
   * Appends the event to the stored session and applies its state delta there once, then to the
   * caller's {@code session} object (see the class comment); idempotent on the event's id.
   *
   * @param session the session the event belongs to; updated as {@code InMemorySessionService}
   *     updates it
   * @param event the event; a partial one changes nothing
   * @return the event
   * @throws NullPointerException if an argument, or the session's app, user or id, is null
   * @throws IllegalArgumentException if the event has no id
   * @throws SessionNotFoundException if the session does not exist (any more)
   * @throws SessionException if the session was created again since {@code session} was read, if
   *     the session holds another event with this id, or if the append lost {@value #MAX_ATTEMPTS}
   *     races in a row; nothing was stored
   */
  @CanIgnoreReturnValue
  @Override
  public Single<Event> appendEvent(Session session, Event event) {
    Objects.requireNonNull(session, "session cannot be null");
    Objects.requireNonNull(event, "event cannot be null");
    Objects.requireNonNull(session.appName(), "session.appName cannot be null");
    Objects.requireNonNull(session.userId(), "session.userId cannot be null");
    Objects.requireNonNull(session.id(), "session.id cannot be null");
    if (event.partial().orElse(false)) {
      return Single.just(event);
    }
    String eventId = event.id();
    if (eventId == null || eventId.isEmpty()) {
      throw new IllegalArgumentException("an appended event needs an id (Event.generateEventId())");
    }
    Place place = place(session.appName(), session.userId(), session.id());
    Map<String, Object> delta = StateScopes.delta(event);
    byte[] eventBytes = Json.event(event);
    String seen = incarnations.get(session);
    for (int attempt = 1; ; attempt++) {
      Optional<StateRecord> headerRecord = store.find(place.userScope(), place.headerKind());
      if (headerRecord.isEmpty()) {
        throw new SessionNotFoundException(
            "session " + describe(place) + " does not exist; event " + eventId + " not appended");
      }
      Json.Header h = Json.header(headerRecord.get().bytes());
      checkOriginal(place, h);
      if (seen != null && !seen.equals(h.incarnation())) {
        throw new SessionException(
            "session "
                + describe(place)
                + " was deleted and created again since this Session object was read; event "
                + eventId
                + " not appended");
      }
      String indexKind = INDEX_PREFIX + h.incarnation() + "." + Keys.one(eventId);
      Optional<StateRecord> indexed = store.find(place.session(), indexKind);
      if (indexed.isPresent()) {
        return Single.just(alreadyAppended(place, h, indexed.get(), event, eventBytes));
      }
      Scoped app = appState(place.app());
      Scoped user = userState(place);
      Map<String, Object> own = new LinkedHashMap<>(h.state());
      StateScopes.apply(delta, own, app.state(), user.state());
      // As the in-memory service merges the app's and user's state into the session it stores.
      Map<String, Object> ownAfter = StateScopes.merged(own, app.state(), user.state());
      Instant lastUpdate = Instant.ofEpochMilli(event.timestamp());
      long sequence = h.next();
      String eventKind = eventKind(h.incarnation(), sequence);
      List<SlotExpectation> expected = new ArrayList<>();
      List<StateRecord> writes = new ArrayList<>();
      expected.add(
          SlotExpectation.exact(place.userScope(), place.headerKind(), headerRecord.get().id()));
      writes.add(
          StateRecord.of(
              EventId.newId(),
              place.userScope(),
              place.headerKind(),
              Json.header(
                  new Json.Header(
                      h.app(),
                      h.user(),
                      h.id(),
                      h.incarnation(),
                      sequence + 1,
                      lastUpdate,
                      ownAfter))));
      expected.add(SlotExpectation.absent(place.session(), eventKind));
      writes.add(StateRecord.of(EventId.newId(), place.session(), eventKind, eventBytes));
      expected.add(SlotExpectation.absent(place.session(), indexKind));
      writes.add(
          StateRecord.of(EventId.newId(), place.session(), indexKind, Json.sequence(sequence)));
      if (delta.keySet().stream().anyMatch(k -> k.startsWith(State.APP_PREFIX))) {
        app.write(expected, writes);
      }
      if (delta.keySet().stream().anyMatch(k -> k.startsWith(State.USER_PREFIX))) {
        user.write(expected, writes);
      }
      try {
        store.saveBatchIf(expected, writes);
      } catch (ConditionFailedException raced) {
        if (attempt >= MAX_ATTEMPTS) {
          throw new SessionException(
              "could not append event "
                  + eventId
                  + " to session "
                  + describe(place)
                  + ": other writers won "
                  + MAX_ATTEMPTS
                  + " races in a row; nothing was stored",
              raced);
        }
        Thread.onSpinWait();
        continue;
      }
      // The caller's object, as the in-memory service leaves it (less temp: keys).
      BaseSessionService.super.appendEvent(session, event);
      session.lastUpdateTime(lastUpdate);
      Map<String, Object> state = session.state();
      app.state().forEach((k, v) -> state.put(State.APP_PREFIX + k, v));
      user.state().forEach((k, v) -> state.put(State.USER_PREFIX + k, v));
      incarnations.put(session, h.incarnation());
      return Single.just(event);
    }
  }

  /**
   * Erases everything of one user in one app: sessions, events and {@code user:} state (the app's
   * {@code app:} state stays). For a user's right to erasure; needs the store's maintenance claim.
   *
   * @param appName the app
   * @param userId the user
   * @return the number of records deleted
   * @throws NullPointerException if an argument is null
   */
  public int eraseUser(String appName, String userId) {
    Objects.requireNonNull(appName, "appName cannot be null");
    Objects.requireNonNull(userId, "userId cannot be null");
    Quadruple scope = place(appName, userId, "").userScope();
    int total = 0;
    for (int step;
        (step = store.eraseUser(ListScope.MAINTENANCE, scope.tenantId(), scope.userId(), 10_000))
            > 0; ) {
      total += step;
    }
    return total;
  }

  /** An event whose id the session already holds: the same event is a no-op, another an error. */
  private Event alreadyAppended(
      Place place, Json.Header h, StateRecord index, Event event, byte[] eventBytes) {
    long sequence = Json.sequence(index.bytes());
    Optional<Event> stored =
        store
            .find(place.session(), eventKind(h.incarnation(), sequence))
            .map(r -> Json.event(r.bytes()));
    if (stored.isPresent() && stored.get().equals(Json.event(eventBytes))) {
      return event;
    }
    throw new SessionException(
        "session "
            + describe(place)
            + " already holds another event with id "
            + event.id()
            + "; nothing appended");
  }

  /** The app's or a user's state as read, and how to write it back conditionally. */
  private record Scoped(
      Quadruple identity, String kind, @Nullable StateRecord record, Map<String, Object> state) {
    void write(List<SlotExpectation> expected, List<StateRecord> writes) {
      expected.add(
          record == null
              ? SlotExpectation.absent(identity, kind)
              : SlotExpectation.exact(identity, kind, record.id()));
      writes.add(StateRecord.of(EventId.newId(), identity, kind, Json.state(state)));
    }
  }

  private Scoped appState(String app) {
    Quadruple identity = appScope(app);
    return scoped(identity, APP_STATE);
  }

  private Scoped userState(Place place) {
    return scoped(place.userScope(), USER_STATE);
  }

  private Scoped scoped(Quadruple identity, String kind) {
    StateRecord record = store.find(identity, kind).orElse(null);
    return new Scoped(
        identity,
        kind,
        record,
        record == null ? new LinkedHashMap<>() : Json.state(record.bytes()));
  }

  private Map<String, Object> merged(Map<String, Object> own, Place place) {
    return StateScopes.merged(own, appState(place.app()).state(), userState(place).state());
  }

  private Optional<Json.Header> header(Place place) {
    Optional<Json.Header> h =
        store.find(place.userScope(), place.headerKind()).map(r -> Json.header(r.bytes()));
    h.ifPresent(found -> checkOriginal(place, found));
    return h;
  }

  private List<Event> events(Place place, Json.Header h) {
    List<Event> events = new ArrayList<>();
    String prefix = EVENT_PREFIX + h.incarnation() + ".";
    for (StateRecord r : store.listKindForIdentity(place.session(), prefix)) {
      events.add(Json.event(r.bytes()));
    }
    return events;
  }

  /**
   * Deletes one incarnation's events and index entries, each only as it was listed. A crash before
   * it ends leaves records no read ever reaches (they are under an incarnation no header names);
   * {@code eraseUser} removes them with the rest.
   */
  private void deleteIncarnation(Place place, String incarnation) {
    for (String prefix :
        List.of(EVENT_PREFIX + incarnation + ".", INDEX_PREFIX + incarnation + ".")) {
      for (StateRecord r : store.listKindForIdentity(place.session(), prefix)) {
        store.deleteIf(SlotExpectation.exact(place.session(), r.kind(), r.id()));
      }
    }
  }

  static String eventKind(String incarnation, long sequence) {
    String digits = Long.toString(sequence);
    return EVENT_PREFIX
        + incarnation
        + "."
        + "0".repeat(Math.max(0, 19 - digits.length()))
        + digits;
  }

  private static void checkOriginal(Place place, Json.Header h) {
    if (!h.app().equals(place.app())
        || !h.user().equals(place.user())
        || !h.id().equals(place.id())) {
      throw collision(describe(place), h);
    }
  }

  private static SessionException collision(String where, Json.Header h) {
    // Two different ids with one SHA-256: never seen, but never silently shared either.
    return new SessionException(
        "session " + where + " shares its storage key with another id (" + h.id() + ")");
  }

  private static String describe(Place place) {
    return "(app "
        + quote(place.app())
        + ", user "
        + quote(place.user())
        + ", id "
        + quote(place.id())
        + ")";
  }

  private static String quote(String s) {
    return s.length() <= 80
        ? "'" + s + "'"
        : "'" + s.substring(0, 80) + "…' (" + s.length() + " chars)";
  }
}
