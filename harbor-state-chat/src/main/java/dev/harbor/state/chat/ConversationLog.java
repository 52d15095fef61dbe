package dev.harbor.state.chat;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One tenant's conversations, each an append-only log of messages in a {@link StateStore}: the
 * layout and the concurrency rule that the Spring AI and LangChain4j chat memories share. Each
 * framework module supplies a {@link Codec} for its message type.
 *
 * <h2>Conversation id → (tenant, user, session)</h2>
 *
 * The tenant is this log's, fixed at construction: a conversation id can never name another
 * tenant's conversation, and {@link #conversationIds()} lists this tenant's only. An id {@code
 * "user/session"} (split at the first {@code /}) is that user's session; an id without {@code /} is
 * a session of the default user (normally {@value #DEFAULT_USER}). The run is always empty.
 *
 * <h2>Layout</h2>
 *
 * Each message is one record at kind {@code chat.memory.m.<sequence>} (19 digits, so kind order is
 * message order). Two markers, {@code chat.memory.meta.tail} (a hint of the highest sequence) and
 * {@code chat.memory.meta.cut} (rewritten by every write that deletes), let a read fetch only the
 * messages appended since this instance last read the conversation, rather than all of it. Other
 * kinds in the session are the application's and are never touched.
 *
 * <h2>Concurrency: nothing is lost silently</h2>
 *
 * The frameworks' memories read a conversation, change the list, and write it back whole ({@code
 * saveAll}, {@code updateMessages}). Written back naïvely, two nodes appending at once would each
 * overwrite the other's message. Here {@link #write} compares the new list with the one this thread
 * last {@link #read}: messages the caller kept stay where they are, messages it dropped (a window's
 * eviction, a clear) are deleted, and the messages it added are appended, each claiming the next
 * free sequence with {@code saveIf(absent)} and moving on to the next when another writer took it
 * first (bounded; past the bound the caller gets a {@link ConditionFailedException}). Messages
 * another node appended meanwhile were never seen by this caller, so they are neither dropped nor
 * overwritten. A store failure reaches the caller as the store's exception.
 *
 * <p>Both frameworks' {@code MessageWindowChatMemory} read and write on the calling thread, which
 * is what the comparison relies on; a write with no earlier read on its thread replaces the
 * conversation as it is in the store. Thread-safe.
 */
public final class ConversationLog<M> {

  /**
   * How one framework's messages become bytes and back. Encoding must be deterministic: equal
   * messages give equal bytes.
   *
   * @param <M> the framework's message type
   */
  public interface Codec<M> {
    /**
     * Encodes a message.
     *
     * @param message the message
     * @return its bytes
     */
    byte[] encode(M message);

    /**
     * Decodes a message.
     *
     * @param bytes what {@link #encode} wrote
     * @return the message
     */
    M decode(byte[] bytes);
  }

  /** The user of conversation ids without a {@code /}. */
  public static final String DEFAULT_USER = "default";

  /** Every kind this log writes starts with this. */
  public static final String KIND_PREFIX = "chat.memory.";

  static final String MESSAGE_PREFIX = KIND_PREFIX + "m.";
  static final String META_PREFIX = KIND_PREFIX + "meta.";
  static final String TAIL = META_PREFIX + "tail";
  static final String CUT = META_PREFIX + "cut";

  /** Claims one append may try before giving up: far beyond any real contention. */
  static final int MAX_CLAIMS = 10_000;

  /** Conversations each thread remembers its last read of. */
  private static final int REMEMBERED = 32;

  /** Conversations this instance keeps its last read of, to fetch only what was appended since. */
  private static final int CACHED = 256;

  private final StateStore store;
  private final String tenant;
  private final String defaultUser;
  private final Codec<M> codec;

  /** What each thread last read (or wrote) of each conversation: the base of its next write. */
  private final ThreadLocal<Map<Quadruple, List<Entry<M>>>> seen =
      ThreadLocal.withInitial(() -> lru(REMEMBERED));

  /** This instance's last read of each conversation, shared by its threads. */
  private final Map<Quadruple, Snapshot<M>> cache = Collections.synchronizedMap(lru(CACHED));

  private static <K, V> Map<K, V> lru(int size) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > size;
      }
    };
  }

  /** A conversation as read, valid while no write deleted from it (its cut marker is the same). */
  private record Snapshot<M>(@Nullable EventId cut, List<Entry<M>> entries) {}

  /** The two markers of a conversation. */
  private record Meta(long tail, @Nullable EventId cut) {}

  /** One stored message: its position, its record's event id, its bytes and its decoded value. */
  private static final class Entry<M> {
    private final long sequence;
    private final EventId id;
    private final byte[] bytes;
    private final M value;

    Entry(long sequence, EventId id, byte[] bytes, M value) {
      this.sequence = sequence;
      this.id = id;
      this.bytes = bytes;
      this.value = value;
    }

    long sequence() {
      return sequence;
    }

    EventId id() {
      return id;
    }

    byte[] bytes() {
      return bytes;
    }

    M value() {
      return value;
    }
  }

  /**
   * A log of one tenant's conversations, whose ids without a {@code /} belong to {@value
   * #DEFAULT_USER}.
   *
   * @param store the store; the caller closes it
   * @param tenant the tenant every conversation belongs to
   * @param codec the framework's message encoding
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the tenant is empty
   */
  public ConversationLog(StateStore store, String tenant, Codec<M> codec) {
    this(store, tenant, DEFAULT_USER, codec);
  }

  /**
   * A log of one tenant's conversations.
   *
   * @param store the store; the caller closes it
   * @param tenant the tenant every conversation belongs to
   * @param defaultUser the user of conversation ids without a {@code /}
   * @param codec the framework's message encoding
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the tenant or the default user is empty
   */
  public ConversationLog(StateStore store, String tenant, String defaultUser, Codec<M> codec) {
    this.store = Objects.requireNonNull(store, "store");
    this.tenant = requireText(tenant, "tenant");
    this.defaultUser = requireText(defaultUser, "defaultUser");
    this.codec = Objects.requireNonNull(codec, "codec");
  }

  private static String requireText(String value, String name) {
    if (Objects.requireNonNull(value, name).isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    return value;
  }

  /**
   * Where a conversation lives (see the class comment).
   *
   * @param conversationId such as {@code "alice/support-42"} or {@code "support-42"}
   * @return the (tenant, user, session) with the empty run
   * @throws NullPointerException if the id is null
   * @throws IllegalArgumentException if the id, its user or its session is empty
   */
  public Quadruple identity(String conversationId) {
    requireText(conversationId, "conversationId");
    int slash = conversationId.indexOf('/');
    String user = slash < 0 ? defaultUser : conversationId.substring(0, slash);
    String session = slash < 0 ? conversationId : conversationId.substring(slash + 1);
    if (user.isEmpty() || session.isEmpty()) {
      throw new IllegalArgumentException(
          "conversation id '" + conversationId + "' needs a user and a session: user/session");
    }
    return new Quadruple(tenant, user, session, "");
  }

  /**
   * The conversation id of an identity, as {@link #identity} reads it back.
   *
   * @param identity a (tenant, user, session) of this log's tenant
   * @return {@code session} for the default user (when the session has no {@code /}), else {@code
   *     user/session}
   */
  public String conversationId(Quadruple identity) {
    String session = identity.sessionId();
    return identity.userId().equals(defaultUser) && session.indexOf('/') < 0
        ? session
        : identity.userId() + "/" + session;
  }

  /**
   * The conversation's messages, oldest first; remembered as this thread's base for its next {@link
   * #write} of the conversation. The messages are shared with other readers of this instance: treat
   * them as immutable.
   *
   * @param conversationId the conversation
   * @return the messages; empty if the conversation has none
   */
  public List<M> read(String conversationId) {
    Quadruple identity = identity(conversationId);
    List<Entry<M>> entries = entries(identity);
    seen.get().put(identity, entries);
    List<M> messages = new ArrayList<>(entries.size());
    for (Entry<M> e : entries) {
      messages.add(e.value());
    }
    return messages;
  }

  /**
   * Makes the conversation hold {@code messages} as this caller sees it: kept messages stay,
   * dropped ones are deleted, new ones are appended after everything already stored (see the class
   * comment). Messages other writers appended since this thread's last read are kept.
   *
   * @param conversationId the conversation
   * @param messages the whole conversation as the caller wants it, oldest first
   * @throws ConditionFailedException if an append found no free sequence within its bound
   * @throws dev.harbor.state.StateStoreException if the store fails (the write may be partial: the
   *     messages before the failure are stored)
   */
  public void write(String conversationId, List<M> messages) {
    Quadruple identity = identity(conversationId);
    Map<Quadruple, List<Entry<M>>> remembered = seen.get();
    List<Entry<M>> base = remembered.remove(identity);
    if (base == null) {
      base = entries(identity);
    }
    List<Entry<M>> kept = new ArrayList<>();
    List<Entry<M>> dropped = new ArrayList<>();
    int next = 0;
    int i = 0;
    for (; i < messages.size(); i++) {
      int match = indexOf(base, messages.get(i), next);
      if (match < 0) {
        break; // this message and every later one are new
      }
      dropped.addAll(base.subList(next, match));
      kept.add(base.get(match));
      next = match + 1;
    }
    dropped.addAll(base.subList(next, base.size()));
    for (Entry<M> e : dropped) {
      // False when another writer already deleted it: the same end.
      store.deleteIf(SlotExpectation.exact(identity, kind(e.sequence()), e.id()));
    }
    if (!dropped.isEmpty()) {
      // After the deletes: a reader that still sees the old cut may miss them only while this
      // write is in flight.
      saveMarker(identity, CUT, new byte[0]);
    }
    List<Entry<M>> written = new ArrayList<>(kept);
    if (i < messages.size()) {
      long last = base.isEmpty() ? 0 : base.get(base.size() - 1).sequence();
      long sequence = Math.max(last, meta(identity).tail()) + 1;
      for (M message : messages.subList(i, messages.size())) {
        Entry<M> e = append(identity, sequence, message);
        written.add(e);
        sequence = e.sequence() + 1;
      }
      saveMarker(identity, TAIL, ByteBuffer.allocate(Long.BYTES).putLong(sequence - 1).array());
    }
    remembered.put(identity, written);
  }

  /**
   * Deletes the conversation's messages (and nothing else of its session).
   *
   * @param conversationId the conversation
   */
  public void delete(String conversationId) {
    Quadruple identity = identity(conversationId);
    seen.get().remove(identity);
    for (StateRecord r : store.listKindForIdentity(identity, MESSAGE_PREFIX)) {
      store.deleteIf(SlotExpectation.exact(identity, r.kind(), r.id()));
    }
    saveMarker(identity, CUT, new byte[0]);
  }

  /**
   * The ids of this tenant's conversations that hold at least one message.
   *
   * @return the ids, in (user, session) order
   */
  public List<String> conversationIds() {
    Set<String> ids = new LinkedHashSet<>();
    String continuation = "";
    do {
      ScanPage page =
          store.scanKindForTenant(ListScope.MAINTENANCE, tenant, MESSAGE_PREFIX, 256, continuation);
      for (StateRecord r : page.records()) {
        ids.add(conversationId(r.identity()));
      }
      continuation = page.continuation();
    } while (!continuation.isEmpty());
    return List.copyOf(ids);
  }

  /**
   * The conversation as stored: only what was appended since this instance's last read when no
   * write deleted anything since (the markers are read first, so a write that completes after them
   * shows in the next read), else all of it.
   */
  private List<Entry<M>> entries(Quadruple identity) {
    Meta meta = meta(identity);
    Snapshot<M> cached = cache.get(identity);
    List<Entry<M>> entries;
    if (cached != null && Objects.equals(cached.cut(), meta.cut())) {
      List<Entry<M>> old = cached.entries();
      long max = old.isEmpty() ? 0 : old.get(old.size() - 1).sequence();
      List<Entry<M>> fresh = after(identity, max);
      if (fresh.isEmpty()) {
        entries = old;
      } else {
        entries = new ArrayList<>(old.size() + fresh.size());
        entries.addAll(old);
        entries.addAll(fresh);
        entries = Collections.unmodifiableList(entries);
      }
    } else {
      entries = new ArrayList<>();
      for (StateRecord r : store.listKindForIdentity(identity, MESSAGE_PREFIX)) {
        entries.add(entry(r));
      }
      entries = Collections.unmodifiableList(entries);
    }
    cache.put(identity, new Snapshot<>(meta.cut(), entries));
    return entries;
  }

  /**
   * The messages after {@code max}, a hundred positions per query. Appends claim the first free
   * position after the highest they know, so without deletions positions are contiguous: a block
   * that does not reach its end is the last.
   */
  private List<Entry<M>> after(Quadruple identity, long max) {
    List<Entry<M>> fresh = new ArrayList<>();
    long from = max + 1;
    while (true) {
      String block = kind(from).substring(0, MESSAGE_PREFIX.length() + 17);
      boolean full = false;
      for (StateRecord r : store.listKindForIdentity(identity, block)) {
        Entry<M> e = entry(r);
        if (e.sequence() > max) {
          fresh.add(e);
        }
        full |= e.sequence() % 100 == 99;
      }
      if (!full) {
        return fresh;
      }
      from = (from / 100 + 1) * 100;
    }
  }

  private Entry<M> entry(StateRecord r) {
    long sequence = Long.parseLong(r.kind().substring(MESSAGE_PREFIX.length()));
    byte[] bytes = r.bytes();
    return new Entry<>(sequence, r.id(), bytes, codec.decode(bytes.clone()));
  }

  private Meta meta(Quadruple identity) {
    long tail = 0;
    EventId cut = null;
    for (StateRecord r : store.listKindForIdentity(identity, META_PREFIX)) {
      if (r.kind().equals(TAIL) && r.bytes().length == Long.BYTES) {
        tail = ByteBuffer.wrap(r.bytes()).getLong();
      } else if (r.kind().equals(CUT)) {
        cut = r.id();
      }
    }
    return new Meta(tail, cut);
  }

  /** The same message (as returned by a read), else one with the same bytes. */
  private int indexOf(List<Entry<M>> entries, M message, int from) {
    for (int k = from; k < entries.size(); k++) {
      if (entries.get(k).value() == message) {
        return k;
      }
    }
    byte[] bytes = codec.encode(message);
    for (int k = from; k < entries.size(); k++) {
      if (Arrays.equals(entries.get(k).bytes(), bytes)) {
        return k;
      }
    }
    return -1;
  }

  /** Claims the first free sequence from {@code sequence} on: the lock-free append. */
  private Entry<M> append(Quadruple identity, long sequence, M message) {
    byte[] bytes = codec.encode(message);
    long s = sequence;
    ConditionFailedException last = null;
    for (int attempt = 1; attempt <= MAX_CLAIMS; attempt++) {
      String kind = kind(s);
      StateRecord record = StateRecord.of(EventId.newId(), identity, kind, bytes);
      try {
        store.saveIf(List.of(SlotExpectation.absent(identity, kind)), record);
        return new Entry<>(s, record.id(), bytes, message);
      } catch (ConditionFailedException taken) {
        last = taken; // another writer appended there first: try the next sequence
        s = attempt % 64 == 0 ? Math.max(s, meta(identity).tail()) + 1 : s + 1;
      }
    }
    throw new ConditionFailedException(
        "could not append to conversation "
            + conversationId(identity)
            + ": no free position after "
            + MAX_CLAIMS
            + " attempts; nothing of this message was stored",
        last);
  }

  /** A marker: a plain save (last writer wins) under a new event id. */
  private void saveMarker(Quadruple identity, String kind, byte[] bytes) {
    store.save(StateRecord.of(EventId.newId(), identity, kind, bytes));
  }

  static String kind(long sequence) {
    String digits = Long.toString(sequence);
    return MESSAGE_PREFIX + "0".repeat(Math.max(0, 19 - digits.length())) + digits;
  }
}
