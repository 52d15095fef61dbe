package dev.harbor.state.langgraph4j;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.langgraph4j.Records.Body;
import dev.harbor.state.langgraph4j.Records.Entry;
import dev.harbor.state.langgraph4j.Records.Head;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import org.bsc.langgraph4j.RunnableConfig;
import org.bsc.langgraph4j.checkpoint.BaseCheckpointSaver;
import org.bsc.langgraph4j.checkpoint.Checkpoint;
import org.bsc.langgraph4j.serializer.StateSerializer;
import org.bsc.langgraph4j.state.AgentState;
import org.jspecify.annotations.Nullable;

/**
 * A LangGraph4j {@link BaseCheckpointSaver} in a Harbor State store, for one tenant: a thread's
 * checkpoints survive the process, and any node or process with a store on the same database
 * resumes the thread where it stopped (an interrupted graph, human in the loop).
 *
 * <p>It behaves as LangGraph4j's {@code MemorySaver} does, call for call: {@link #list} gives the
 * thread's checkpoints newest first, {@link #get} the newest or the one with the config's
 * checkpoint id, {@link #put} adds a checkpoint on top (or, when the config names a checkpoint id,
 * replaces that checkpoint, {@link NoSuchElementException} if the thread has none with that id),
 * and {@link #release} removes the thread and returns what it held. A thread without a thread id is
 * {@value BaseCheckpointSaver#THREAD_ID_DEFAULT}.
 *
 * <h2>A thread never forks</h2>
 *
 * Each saver remembers, per thread, the head it last read or wrote, and every {@code put} is a
 * compare-and-swap ({@link StateStore#saveBatchIf}) on that head. When another saver (another node,
 * process or store instance) moved the thread on since, the put is refused with a {@link
 * ConditionFailedException} naming the thread, and nothing is written: of two graphs racing from
 * one checkpoint exactly one adds its child, never two children of one parent. The loser reads the
 * thread again ({@link #get} or {@link #list}, as a graph does when it is invoked) before it may
 * write. The view is the saver's, not each caller's: callers sharing one saver share its view, so
 * calls one after the other behave as on {@code MemorySaver}, and of two puts on one thread at the
 * same moment one may be refused. A saver remembers the last {@value #REMEMBERED_THREADS} threads
 * it touched; a thread it has forgotten is read again at its next put.
 *
 * <h2>Thread id → (tenant, user, session, run)</h2>
 *
 * Every thread id is accepted, and two thread ids never share records: the tenant is this saver's,
 * the user is {@value #USER}, and the session is {@code "t:" + threadId} when the thread id is at
 * most 200 UTF-8 bytes without NUL or lone surrogates, else {@code "h:"} followed by the hex
 * SHA-256 of its UTF-16 code units (the original thread id is stored and checked on every read).
 * {@link #threadIdentity} gives the identity, for example to erase a thread with {@link
 * StateStore#deleteScope}.
 *
 * <h2>Layout</h2>
 *
 * The head, kind {@value #HEAD_KIND} in the session-scoped slot, lists the thread's checkpoints (id
 * and where the body is); each body, kind {@code langgraph4j.checkpoint/<token>}, holds one
 * checkpoint with its state serialized by the graph's {@link StateSerializer}, in a run named by
 * the head (a generation, new after each release). A put writes the head and one body in one atomic
 * step; a read that meets a body changed after its head was read reads again, so a list is always
 * one moment's thread. A release deletes the head (only if unchanged since it was read) and then
 * the bodies of that generation; a crash between the two leaves bodies no read can reach, which
 * {@code deleteScope} of the thread's identity removes.
 *
 * <p>Thread-safe. The store is the application's: the saver never closes it.
 *
 * <pre>{@code
 * var saver = new HarborCheckpointSaver(store, "acme", new ObjectStreamStateSerializer<>(AgentState::new));
 * var graph = stateGraph.compile(CompileConfig.builder()
 *     .checkpointSaver(saver)
 *     .interruptBefore("approve")
 *     .build());
 * }</pre>
 */
public final class HarborCheckpointSaver implements BaseCheckpointSaver {

  /** The user every thread of the tenant belongs to. */
  public static final String USER = "langgraph4j";

  /** The kind of a thread's head record, in the thread's session-scoped slot. */
  public static final String HEAD_KIND = "langgraph4j.head";

  /** The prefix of the kinds of checkpoint bodies, in the run the head names. */
  public static final String CHECKPOINT_KIND_PREFIX = "langgraph4j.checkpoint/";

  /** How many threads a saver remembers the last seen head of. */
  static final int REMEMBERED_THREADS = 16_384;

  /** Reads and releases retry when a concurrent write changes the thread under them. */
  private static final int MAX_ATTEMPTS = 64;

  /** Bodies deleted per listing when a release sweeps a generation. */
  private static final int SWEEP_PAGE = 1000;

  /** The remembered head of a thread that has none. */
  private static final String ABSENT = "";

  private final StateStore store;
  private final String tenantId;
  private final StateSerializer<? extends AgentState> serializer;

  /** Session id → event id of the head this saver last saw ({@link #ABSENT} for none). */
  private final Map<String, String> seenHeads =
      new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > REMEMBERED_THREADS;
        }
      };

  /**
   * A checkpoint saver of one tenant's threads.
   *
   * @param store the store; the application closes it
   * @param tenantId the tenant every thread belongs to
   * @param serializer serializes the checkpoints' states, the one the graph's states use
   * @throws NullPointerException if an argument is null
   * @throws IdentityRequiredException if the tenant is empty
   * @throws InvalidRecordException if the tenant holds U+0000 or a lone surrogate, or is longer
   *     than 256 UTF-8 bytes
   */
  public HarborCheckpointSaver(
      StateStore store, String tenantId, StateSerializer<? extends AgentState> serializer) {
    this.store = Objects.requireNonNull(store, "store");
    this.tenantId = Objects.requireNonNull(tenantId, "tenantId");
    this.serializer = Objects.requireNonNull(serializer, "serializer");
    if (tenantId.isEmpty()) {
      throw new IdentityRequiredException("a checkpoint saver needs a tenant id; it is empty");
    }
    if (!wellFormed(tenantId) || tenantId.getBytes(UTF_8).length > 256) {
      throw new InvalidRecordException(
          "tenant id "
              + describe(tenantId)
              + " holds U+0000 or a lone surrogate, or is longer"
              + " than 256 UTF-8 bytes");
    }
  }

  /**
   * The identity a thread's records live under; {@link StateStore#deleteScope} of it erases the
   * thread, whatever state it is in.
   *
   * @param threadId the thread id, any string
   * @return the identity (this saver's tenant, {@value #USER}, the thread's session id)
   * @throws NullPointerException if the thread id is null
   */
  public Identity threadIdentity(String threadId) {
    return new Identity(tenantId, USER, ThreadKeys.sessionOf(Objects.requireNonNull(threadId)));
  }

  /**
   * The thread's checkpoints, newest first.
   *
   * @param config names the thread
   * @return its checkpoints; empty for a thread that has none
   */
  @Override
  public Collection<Checkpoint> list(RunnableConfig config) {
    String threadId = threadId(Objects.requireNonNull(config, "config"));
    return List.copyOf(read(threadId, null).checkpoints());
  }

  /**
   * The checkpoint with the config's checkpoint id (the newest of that id), or else the thread's
   * newest checkpoint.
   *
   * @param config names the thread and perhaps a checkpoint
   * @return the checkpoint; empty if there is none
   */
  @Override
  public Optional<Checkpoint> get(RunnableConfig config) {
    String threadId = threadId(Objects.requireNonNull(config, "config"));
    String wanted = config.checkPointId().orElse(null);
    List<Checkpoint> found =
        read(threadId, wanted == null ? Want.NEWEST : new Want(wanted)).checkpoints();
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  /**
   * Adds a checkpoint on top of the thread, or replaces the one the config names.
   *
   * @param config names the thread, and the checkpoint to replace if it has a checkpoint id
   * @param checkpoint the checkpoint
   * @return after an add, the config with the new checkpoint's id; after a replace, the config
   * @throws ConditionFailedException if the thread changed since this saver last read or wrote it
   *     (another saver moved it on): nothing was written
   * @throws NoSuchElementException if the config names a checkpoint the thread does not hold
   * @throws IOException if the serializer cannot serialize the state
   */
  @Override
  public RunnableConfig put(RunnableConfig config, Checkpoint checkpoint) throws Exception {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(checkpoint, "checkpoint");
    String threadId = threadId(config);
    String session = ThreadKeys.sessionOf(threadId);
    // Serialize before touching the store: a state that cannot be kept changes nothing.
    byte[] state = serializer.dataToBytes(checkpoint.getState());
    Optional<StateRecord> headRecord = store.find(headSlot(session), HEAD_KIND);
    Head head = headRecord.map(r -> decodeHead(r, threadId)).orElse(null);
    String current = headRecord.map(r -> r.id().value()).orElse(ABSENT);
    String seen = seen(session);
    if (seen == null) {
      // Built on what this put read now: should the write lose, a retry must read again too.
      remember(session, current);
    } else if (!seen.equals(current)) {
      throw refused(threadId, null);
    }
    EventId bodyId = EventId.newId();
    Body body =
        new Body(checkpoint.getId(), checkpoint.getNodeId(), checkpoint.getNextNodeId(), state);
    Optional<String> target = config.checkPointId();
    if (target.isPresent()) {
      List<Entry> entries = head == null ? List.of() : head.entries();
      int index = indexOf(entries, target.get());
      if (head == null || index < 0) {
        throw new NoSuchElementException(
            String.format("Checkpoint with id %s not found!", target.get()));
      }
      Entry old = entries.get(index);
      List<Entry> next = new ArrayList<>(entries);
      next.set(index, new Entry(checkpoint.getId(), old.token(), bodyId));
      Quadruple bodies = bodiesSlot(session, head.generation());
      write(
          threadId,
          session,
          List.of(
              SlotExpectation.exact(headSlot(session), HEAD_KIND, EventId.of(current)),
              SlotExpectation.exact(
                  bodies, CHECKPOINT_KIND_PREFIX + old.token(), old.bodyEventId())),
          new Head(threadId, head.generation(), next),
          StateRecord.of(bodyId, bodies, CHECKPOINT_KIND_PREFIX + old.token(), Records.body(body)));
      return config;
    }
    String generation = head == null ? EventId.newId().value() : head.generation();
    List<Entry> next = new ArrayList<>();
    next.add(new Entry(checkpoint.getId(), bodyId.value(), bodyId));
    if (head != null) {
      next.addAll(head.entries());
    }
    Quadruple bodies = bodiesSlot(session, generation);
    String kind = CHECKPOINT_KIND_PREFIX + bodyId.value();
    write(
        threadId,
        session,
        List.of(
            current.equals(ABSENT)
                ? SlotExpectation.absent(headSlot(session), HEAD_KIND)
                : SlotExpectation.exact(headSlot(session), HEAD_KIND, EventId.of(current)),
            SlotExpectation.absent(bodies, kind)),
        new Head(threadId, generation, next),
        StateRecord.of(bodyId, bodies, kind, Records.body(body)));
    return RunnableConfig.builder(config).checkPointId(checkpoint.getId()).build();
  }

  /**
   * Removes the thread and returns the checkpoints it held.
   *
   * @param config names the thread
   * @return the thread id and its checkpoints, newest first; no checkpoints for a thread that had
   *     none
   */
  @Override
  public Tag release(RunnableConfig config) throws Exception {
    String threadId = threadId(Objects.requireNonNull(config, "config"));
    String session = ThreadKeys.sessionOf(threadId);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Snapshot snapshot = read(threadId, null);
      if (snapshot.head() == null || snapshot.headId() == null) {
        return new Tag(threadId, List.of());
      }
      // Only the head that was read: a checkpoint added since is never deleted unseen.
      if (store.deleteIf(SlotExpectation.exact(headSlot(session), HEAD_KIND, snapshot.headId()))) {
        remember(session, ABSENT);
        sweep(bodiesSlot(session, snapshot.head().generation()));
        return new Tag(threadId, snapshot.checkpoints());
      }
    }
    throw changing(threadId);
  }

  /** What a read wants of the thread's checkpoints. */
  private record Want(@Nullable String checkpointId) {
    static final Want NEWEST = new Want(null);
  }

  /** A consistent read: the head record's id and content, and the checkpoints wanted. */
  private record Snapshot(
      @Nullable EventId headId, @Nullable Head head, List<Checkpoint> checkpoints) {}

  /**
   * Reads the thread: every checkpoint ({@code want == null}), the newest, or the newest with an
   * id. Bodies are checked against the head; a body that changed after the head was read means a
   * concurrent write, and the read starts again.
   */
  private Snapshot read(String threadId, @Nullable Want want) {
    String session = ThreadKeys.sessionOf(threadId);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      Optional<StateRecord> headRecord = store.find(headSlot(session), HEAD_KIND);
      if (headRecord.isEmpty()) {
        remember(session, ABSENT);
        return new Snapshot(null, null, List.of());
      }
      EventId headId = headRecord.get().id();
      Head head = decodeHead(headRecord.get(), threadId);
      Quadruple bodies = bodiesSlot(session, head.generation());
      List<Entry> wanted;
      if (want == null) {
        wanted = head.entries();
      } else if (want.checkpointId() == null) {
        wanted = head.entries().isEmpty() ? List.of() : List.of(head.entries().get(0));
      } else {
        int index = indexOf(head.entries(), want.checkpointId());
        wanted = index < 0 ? List.of() : List.of(head.entries().get(index));
      }
      Map<String, StateRecord> byKind = new HashMap<>();
      if (wanted.size() == 1) {
        String kind = CHECKPOINT_KIND_PREFIX + wanted.get(0).token();
        store.find(bodies, kind).ifPresent(r -> byKind.put(kind, r));
      } else if (!wanted.isEmpty()) {
        for (StateRecord r : store.listKindForIdentity(bodies, CHECKPOINT_KIND_PREFIX)) {
          byKind.put(r.kind(), r);
        }
      }
      List<Checkpoint> checkpoints = new ArrayList<>(wanted.size());
      for (Entry e : wanted) {
        StateRecord r = byKind.get(CHECKPOINT_KIND_PREFIX + e.token());
        if (r == null || !r.id().equals(e.bodyEventId())) {
          checkpoints = null;
          break;
        }
        checkpoints.add(checkpointOf(Records.body(r.bytes(), "checkpoint body " + r.kind())));
      }
      if (checkpoints != null) {
        remember(session, headId.value());
        return new Snapshot(headId, head, checkpoints);
      }
    }
    throw changing(threadId);
  }

  private void write(
      String threadId,
      String session,
      List<SlotExpectation> expectations,
      Head head,
      StateRecord body) {
    EventId headId = EventId.newId();
    try {
      store.saveBatchIf(
          expectations,
          List.of(StateRecord.of(headId, headSlot(session), HEAD_KIND, Records.head(head)), body));
    } catch (ConditionFailedException e) {
      // The remembered head stays the stale one: a retry without a read is refused too.
      throw refused(threadId, e);
    }
    remember(session, headId.value());
  }

  private void sweep(Quadruple bodies) {
    while (true) {
      List<StateRecord> page =
          store.listKindForIdentity(bodies, CHECKPOINT_KIND_PREFIX, SWEEP_PAGE);
      for (StateRecord r : page) {
        store.delete(bodies, r.kind());
      }
      if (page.size() < SWEEP_PAGE) {
        return;
      }
    }
  }

  private Checkpoint checkpointOf(Body body) {
    Map<String, Object> state;
    try {
      state = serializer.dataFromBytes(body.state());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot deserialize the state of checkpoint " + describe(body.checkpointId()), e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "cannot deserialize the state of checkpoint "
              + describe(body.checkpointId())
              + ": a class is missing",
          e);
    }
    return Checkpoint.builder()
        .id(body.checkpointId())
        .nodeId(body.nodeId())
        .nextNodeId(body.nextNodeId())
        .state(state)
        .build();
  }

  private Head decodeHead(StateRecord record, String threadId) {
    Head head = Records.head(record.bytes(), "the head of thread " + describe(threadId));
    if (!head.threadId().equals(threadId)) {
      // Two thread ids with one SHA-256: refuse rather than mix two threads.
      throw new IllegalStateException(
          "thread "
              + describe(threadId)
              + " maps onto the records of thread "
              + describe(head.threadId()));
    }
    return head;
  }

  private static int indexOf(List<Entry> entries, String checkpointId) {
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).checkpointId().equals(checkpointId)) {
        return i;
      }
    }
    return -1;
  }

  private Quadruple headSlot(String session) {
    return new Quadruple(tenantId, USER, session, "");
  }

  private Quadruple bodiesSlot(String session, String generation) {
    return new Quadruple(tenantId, USER, session, generation);
  }

  private @Nullable String seen(String session) {
    synchronized (seenHeads) {
      return seenHeads.get(session);
    }
  }

  private void remember(String session, String headId) {
    synchronized (seenHeads) {
      seenHeads.put(session, headId);
    }
  }

  private static ConditionFailedException refused(
      String threadId, @Nullable ConditionFailedException cause) {
    return new ConditionFailedException(
        "thread "
            + describe(threadId)
            + " was moved on by another writer since this saver last read it; the checkpoint"
            + " was not written, so the thread does not fork. Read the thread again (get, list,"
            + " or invoke the graph) before writing to it.",
        cause);
  }

  private static ConcurrentModificationException changing(String threadId) {
    return new ConcurrentModificationException(
        "thread "
            + describe(threadId)
            + " kept changing while it was read ("
            + MAX_ATTEMPTS
            + " attempts)");
  }

  private static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\0') {
        return false;
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** A thread or checkpoint id for a message: quoted, control characters escaped, bounded. */
  static String describe(String id) {
    StringBuilder out = new StringBuilder("\"");
    int shown = Math.min(id.length(), 80);
    for (int i = 0; i < shown; i++) {
      char c = id.charAt(i);
      if (c < 0x20 || c == 0x7F || c == '"' || c == '\\' || Character.isSurrogate(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
    if (id.length() > shown) {
      out.append("… (").append(id.length()).append(" characters)");
    }
    return out.toString();
  }
}
