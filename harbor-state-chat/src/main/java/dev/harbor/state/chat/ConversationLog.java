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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One tenant's conversations, each an append-only log of messages in a {@link StateStore}: the
 * layout and the concurrency rule that the Spring AI and LangChain4j chat memories share. Messages
 * are opaque bytes here; each framework module serializes its own message types.
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
 * message order); {@code chat.memory.tail} holds a hint of the highest sequence. Other kinds in the
 * session are the application's and are never touched.
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
public final class ConversationLog {

  /** The user of conversation ids without a {@code /}. */
  public static final String DEFAULT_USER = "default";

  /** Every kind this log writes starts with this. */
  public static final String KIND_PREFIX = "chat.memory.";

  static final String MESSAGE_PREFIX = KIND_PREFIX + "m.";
  static final String TAIL = KIND_PREFIX + "tail";

  /** Claims one append may try before giving up: far beyond any real contention. */
  static final int MAX_CLAIMS = 10_000;

  /** Conversations each thread remembers its last read of. */
  private static final int REMEMBERED = 32;

  private final StateStore store;
  private final String tenant;
  private final String defaultUser;

  /** What each thread last read (or wrote) of each conversation: the base of its next write. */
  private final ThreadLocal<Map<Quadruple, List<Entry>>> seen =
      ThreadLocal.withInitial(
          () ->
              new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<Quadruple, List<Entry>> eldest) {
                  return size() > REMEMBERED;
                }
              });

  /** One stored message (a class, not a record: it holds an array it never copies or compares). */
  private static final class Entry {
    private final long sequence;
    private final EventId id;
    private final byte[] bytes;

    Entry(long sequence, EventId id, byte[] bytes) {
      this.sequence = sequence;
      this.id = id;
      this.bytes = bytes;
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
  }

  /**
   * A log of one tenant's conversations, whose ids without a {@code /} belong to {@value
   * #DEFAULT_USER}.
   *
   * @param store the store; the caller closes it
   * @param tenant the tenant every conversation belongs to
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the tenant is empty
   */
  public ConversationLog(StateStore store, String tenant) {
    this(store, tenant, DEFAULT_USER);
  }

  /**
   * A log of one tenant's conversations.
   *
   * @param store the store; the caller closes it
   * @param tenant the tenant every conversation belongs to
   * @param defaultUser the user of conversation ids without a {@code /}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the tenant or the default user is empty
   */
  public ConversationLog(StateStore store, String tenant, String defaultUser) {
    this.store = Objects.requireNonNull(store, "store");
    this.tenant = requireText(tenant, "tenant");
    this.defaultUser = requireText(defaultUser, "defaultUser");
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
   * #write} of the conversation.
   *
   * @param conversationId the conversation
   * @return the messages' bytes; empty if the conversation has none
   */
  public List<byte[]> read(String conversationId) {
    Quadruple identity = identity(conversationId);
    List<Entry> entries = entries(identity);
    seen.get().put(identity, entries);
    List<byte[]> messages = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      messages.add(e.bytes().clone());
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
  public void write(String conversationId, List<byte[]> messages) {
    Quadruple identity = identity(conversationId);
    Map<Quadruple, List<Entry>> remembered = seen.get();
    List<Entry> base = remembered.remove(identity);
    if (base == null) {
      base = entries(identity);
    }
    List<Entry> kept = new ArrayList<>();
    List<Entry> dropped = new ArrayList<>();
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
    for (Entry e : dropped) {
      // False when another writer already deleted it: the same end.
      store.deleteIf(SlotExpectation.exact(identity, kind(e.sequence()), e.id()));
    }
    List<Entry> written = new ArrayList<>(kept);
    if (i < messages.size()) {
      long last = base.isEmpty() ? 0 : base.get(base.size() - 1).sequence();
      long sequence = Math.max(last, tail(identity)) + 1;
      for (byte[] message : messages.subList(i, messages.size())) {
        Entry e = append(identity, sequence, message);
        written.add(e);
        sequence = e.sequence() + 1;
      }
      saveTail(identity, sequence - 1);
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
    for (StateRecord r : store.listKindForIdentity(identity, KIND_PREFIX)) {
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

  private List<Entry> entries(Quadruple identity) {
    List<StateRecord> records = store.listKindForIdentity(identity, MESSAGE_PREFIX);
    List<Entry> entries = new ArrayList<>(records.size());
    for (StateRecord r : records) {
      entries.add(
          new Entry(
              Long.parseLong(r.kind().substring(MESSAGE_PREFIX.length())), r.id(), r.bytes()));
    }
    return entries;
  }

  private static int indexOf(List<Entry> entries, byte[] message, int from) {
    for (int k = from; k < entries.size(); k++) {
      if (Arrays.equals(entries.get(k).bytes(), message)) {
        return k;
      }
    }
    return -1;
  }

  /** Claims the first free sequence from {@code sequence} on: the lock-free append. */
  private Entry append(Quadruple identity, long sequence, byte[] message) {
    long s = sequence;
    ConditionFailedException last = null;
    for (int attempt = 1; attempt <= MAX_CLAIMS; attempt++) {
      String kind = kind(s);
      StateRecord record = StateRecord.of(EventId.newId(), identity, kind, message);
      try {
        store.saveIf(List.of(SlotExpectation.absent(identity, kind)), record);
        return new Entry(s, record.id(), message);
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

  private long tail(Quadruple identity) {
    return store
        .find(identity, TAIL)
        .map(r -> r.bytes().length == Long.BYTES ? ByteBuffer.wrap(r.bytes()).getLong() : 0L)
        .orElse(0L);
  }

  /** A hint only (plain save, last writer wins): appends probe forward from it. */
  private void saveTail(Quadruple identity, long sequence) {
    byte[] bytes = ByteBuffer.allocate(Long.BYTES).putLong(sequence).array();
    store.save(StateRecord.of(EventId.newId(), identity, TAIL, bytes));
  }

  static String kind(long sequence) {
    String digits = Long.toString(sequence);
    return MESSAGE_PREFIX + "0".repeat(Math.max(0, 19 - digits.length())) + digits;
  }
}
