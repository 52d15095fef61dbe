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
 * message order). A marker, {@code chat.memory.meta.tail} (a hint of the highest sequence), lets
 * appends after a clear go after every position used before. Other kinds in the session are the
 * application's and are never touched.
 *
 * <h2>Reads are the store's truth</h2>
 *
 * Every read lists the conversation's messages in one call, so it shows exactly what the store
 * holds then, whoever changed it: another instance, another node, or an erasure that knows nothing
 * of this log ({@code eraseUser}, {@code eraseTenant}, {@code deleteScope}, {@code purge}, {@code
 * delete}, {@code deleteIf}). An erased message never comes back from a cache. What this instance
 * keeps between reads only saves decoding: a listed message whose position, event id and bytes
 * match the last read's reuses its decoded value.
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

  /** Claims one append may try before giving up: far beyond any real contention. */
  static final int MAX_CLAIMS = 10_000;

  /** Conversations each thread remembers its last read of. */
  private static final int REMEMBERED = 32;

  /** Conversations this instance keeps its last read of, to decode only what changed since. */
  private static final int CACHED = 256;

  private final StateStore store;
  private final String tenant;
  private final String defaultUser;
  private final Codec<M> codec;

  /** What each thread last read (or wrote) of each conversation: the base of its next write. */
  private final ThreadLocal<Map<Quadruple, List<Entry<M>>>> seen =
      ThreadLocal.withInitial(() -> lru(REMEMBERED));

  /**
   * This instance's last read of each conversation, shared by its threads: never served as such,
   * only a source of decoded values for messages the next read lists again unchanged.
   */
  private final Map<Quadruple, List<Entry<M>>> decoded = Collections.synchronizedMap(lru(CACHED));

  private static <K, V> Map<K, V> lru(int size) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > size;
      }
    };
  }

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

    /** Whether this is the message stored at {@code sequence} with this event id and bytes. */
    boolean isRecord(long sequence, EventId id, byte[] bytes) {
      return this.sequence == sequence && this.id.equals(id) && Arrays.equals(this.bytes, bytes);
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
    List<Entry<M>> written = new ArrayList<>(kept);
    if (i < messages.size()) {
      long last = base.isEmpty() ? 0 : base.get(base.size() - 1).sequence();
      long sequence = Math.max(last, tail(identity)) + 1;
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
   * The conversation as stored now: one listing, the store's truth (see the class comment). Only
   * the decoding is saved: a message this instance's last read listed with the same position, event
   * id and bytes keeps its decoded value.
   */
  private List<Entry<M>> entries(Quadruple identity) {
    List<StateRecord> records = store.listKindForIdentity(identity, MESSAGE_PREFIX);
    List<Entry<M>> last = decoded.get(identity);
    List<Entry<M>> entries = new ArrayList<>(records.size());
    int k = 0; // both lists are in sequence order: walk them together
    for (StateRecord r : records) {
      long sequence = sequence(r);
      byte[] bytes = r.bytes();
      while (last != null && k < last.size() && last.get(k).sequence() < sequence) {
        k++;
      }
      if (last != null && k < last.size() && last.get(k).isRecord(sequence, r.id(), bytes)) {
        entries.add(last.get(k));
      } else {
        entries.add(new Entry<>(sequence, r.id(), bytes, codec.decode(bytes.clone())));
      }
    }
    entries = Collections.unmodifiableList(entries);
    decoded.put(identity, entries);
    return entries;
  }

  private static long sequence(StateRecord r) {
    return Long.parseLong(r.kind().substring(MESSAGE_PREFIX.length()));
  }

  /** The tail marker's sequence; 0 if there is none (or it is not ours). */
  private long tail(Quadruple identity) {
    return store
        .find(identity, TAIL)
        .map(StateRecord::bytes)
        .filter(b -> b.length == Long.BYTES)
        .map(b -> ByteBuffer.wrap(b).getLong())
        .orElse(0L);
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
        s = attempt % 64 == 0 ? Math.max(s, tail(identity)) + 1 : s + 1;
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
