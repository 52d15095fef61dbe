package dev.harbor.state.postgres;

import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * Advisory lock keys for slots and scopes, computed in the client so every store instance (every
 * pool, process or node) on one database agrees. The encoding is injective (a namespace, the schema
 * and the slot's or scope's strings, each UTF-8 with a length prefix), hashed with SHA-256 to the
 * 64 bits {@code pg_advisory_xact_lock} takes. Two keys colliding only serialize more than needed.
 *
 * <p>The locking protocol, which makes every write one atomic step against every other (issue 10,
 * defects 3 and 4; issue 17, defect 1): each write to a slot takes its scope's lock shared and the
 * slot's lock exclusive, in its transaction, before its first read. A scope lock is a bucket of a
 * tenant's sessions: (tenant, user, session) hashed into one of {@value #BUCKETS} buckets per
 * tenant (issue 24), so no call ever needs more than {@value #BUCKETS} scope locks per tenant.
 * {@code deleteScope} takes its scope's lock exclusive, and so do {@code saveAll} and retention for
 * each scope of their records instead of a lock per slot. So no write changes a slot that a
 * conditional write has checked until that write commits, two writes of one slot never race on its
 * unique indexes, and no write enters a scope while it is being erased. Every caller takes scope
 * locks before slot locks, each in ascending key order ({@link Keys}), so they never deadlock.
 *
 * <p>Bounded footprint (issue 24, SPEC 9.3): a call takes at most {@value #MAX_KEYS} advisory
 * locks. A write of many slots whose scope and slot locks would exceed it takes its scopes' locks
 * exclusive instead ({@link #boundedKeys(Collection)}); one whose scopes alone exceed it (a batch
 * across more than two tenants with many sessions each) locks the whole table instead ({@link
 * #exceedsBudget}).
 */
final class SlotLocks {

  /**
   * The locks of one write, in the order they are taken: scope keys (shared), then slot keys
   * (exclusive), each distinct and ascending.
   *
   * @param scopes the scopes' keys
   * @param slots the slots' keys
   */
  // Arrays, not lists: they are bound as SQL arrays as they are; nothing compares two Keys.
  @SuppressWarnings("ArrayRecordComponent")
  record Keys(Long[] scopes, Long[] slots) {

    /** Whether taking these locks would exceed {@link #MAX_KEYS}. */
    boolean exceedsBudget() {
      return SlotLocks.exceedsBudget(scopes.length + slots.length);
    }
  }

  /**
   * The scope buckets of one tenant: a tenant's scope locks are at most this many, whatever its
   * number of sessions. More buckets hold back fewer of a tenant's sessions while one of them is
   * erased; fewer let a call lock more tenants within {@link #MAX_KEYS}.
   */
  static final int BUCKETS = 16;

  /**
   * The most advisory locks one call takes (SPEC 9.3 allows 64 shared lock table entries per call;
   * the rest is left for the locks of its relations and transaction id).
   */
  static final int MAX_KEYS = 2 * BUCKETS;

  /**
   * A slot.
   *
   * @param identity its quadruple
   * @param kind its kind
   */
  record Slot(Quadruple identity, String kind) {}

  private final byte[] slotNamespace;
  private final byte[] scopeNamespace;
  private final byte[] bucketNamespace;

  /**
   * SHA-256 states that have already digested the slot and the scope namespace, or null where the
   * platform's digests cannot be cloned: each key clones one, which is cheaper than {@link
   * MessageDigest#getInstance} (a provider lookup) per key, and a batch computes a key per record.
   * Never updated after construction, so clones may be taken concurrently.
   */
  private final @Nullable MessageDigest slotPrototype;

  private final @Nullable MessageDigest scopePrototype;

  private final @Nullable MessageDigest bucketPrototype;

  SlotLocks(String schema) {
    this.slotNamespace = frame("harbor-state/slot-lock/v1", schema);
    this.scopeNamespace = frame("harbor-state/scope-lock/v1", schema);
    this.slotPrototype = prototype(slotNamespace);
    this.scopePrototype = prototype(scopeNamespace);
    // v2: scope locks became buckets (issue 24); a v1 store's session locks do not exclude them.
    this.bucketNamespace = frame("harbor-state/scope-bucket-lock/v2", schema);
    this.bucketPrototype = prototype(bucketNamespace);
  }

  /**
   * The locks a write of these slots takes.
   *
   * @param slots the slots
   * @return their scopes' and their own keys, ordered
   */
  Keys keys(Collection<Slot> slots) {
    return new Keys(
        ordered(slots.stream().map(s -> scopeKey(s.identity().identity())).toList()),
        ordered(slots.stream().map(s -> key(s.identity(), s.kind())).toList()));
  }

  /**
   * The locks a conditional write of these slots takes: as {@link #keys(Collection)} within {@link
   * #MAX_KEYS}; beyond it, escalated, their scopes exclusive, which stand for the slots' locks as
   * for saveAll (still beyond it if the scopes alone are: {@link Keys#exceedsBudget}).
   *
   * @param slots the slots
   * @return the keys to take, ordered
   */
  Keys boundedKeys(Collection<Slot> slots) {
    Keys fine = keys(slots);
    return fine.exceedsBudget() ? new Keys(new Long[0], fine.scopes()) : fine;
  }

  /**
   * Whether a call needing this many advisory locks must lock the table instead.
   *
   * @param locks how many
   * @return whether they exceed {@link #MAX_KEYS}
   */
  static boolean exceedsBudget(int locks) {
    return locks > MAX_KEYS;
  }

  /**
   * The locks a batch ({@code saveAll}, a retention step) takes: its scopes', exclusive, ordered;
   * at most {@value #BUCKETS} per tenant. More than {@link #MAX_KEYS} ({@link #exceedsBudget}): the
   * caller locks the table instead.
   *
   * @param scopes the scopes of the batch's records
   * @return their keys, distinct and ascending
   */
  Long[] batchKeys(Collection<Identity> scopes) {
    return ordered(scopes.stream().map(this::scopeKey).toList());
  }

  /**
   * The locks a write of one slot takes.
   *
   * @param q the slot's quadruple
   * @param kind the slot's kind
   * @return its scope's and its own key
   */
  Keys keys(Quadruple q, String kind) {
    return new Keys(new Long[] {scopeKey(q.identity())}, new Long[] {key(q, kind)});
  }

  /**
   * The lock key of one scope (tenant, user, session): its tenant's bucket of sessions, shared by
   * writes into it, exclusive for an erasure or a batch.
   *
   * @param identity the scope
   * @return the key
   */
  long scopeKey(Identity identity) {
    MessageDigest sha = start(scopePrototype, scopeNamespace);
    sha.update(frame(identity.tenantId(), identity.userId(), identity.sessionId()));
    int bucket = Math.floorMod(ByteBuffer.wrap(sha.digest()).getLong(), BUCKETS);
    MessageDigest bucketSha = start(bucketPrototype, bucketNamespace);
    bucketSha.update(frame(identity.tenantId()));
    bucketSha.update(ByteBuffer.allocate(4).putInt(bucket).array());
    return ByteBuffer.wrap(bucketSha.digest()).getLong();
  }

  /**
   * The lock key of one slot.
   *
   * @param q the slot's quadruple
   * @param kind the slot's kind
   * @return the key
   */
  long key(Quadruple q, String kind) {
    MessageDigest sha = start(slotPrototype, slotNamespace);
    sha.update(frame(q.tenantId(), q.userId(), q.sessionId(), q.runId(), kind));
    return ByteBuffer.wrap(sha.digest()).getLong();
  }

  /**
   * The keys to lock, distinct and ascending: the one global order that keeps callers from
   * deadlocking.
   *
   * @param keys the slots' keys
   * @return sorted distinct keys
   */
  private static Long[] ordered(Collection<Long> keys) {
    return keys.stream().distinct().sorted().toArray(Long[]::new);
  }

  /**
   * The key that serializes migrations of one schema, so any number of nodes may start at once.
   *
   * @param schema the schema
   * @return the key
   */
  static long migrationKey(String schema) {
    MessageDigest sha = sha256();
    sha.update(frame("harbor-state/migrate/v1", schema));
    return ByteBuffer.wrap(sha.digest()).getLong();
  }

  /** Each part as UTF-8, with its length as a 4-byte big-endian prefix. */
  private static byte[] frame(String... parts) {
    byte[][] encoded = new byte[parts.length][];
    int size = 0;
    for (int i = 0; i < parts.length; i++) {
      encoded[i] = parts[i].getBytes(StandardCharsets.UTF_8);
      size += 4 + encoded[i].length;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    for (byte[] b : encoded) {
      out.putInt(b.length).put(b);
    }
    return out.array();
  }

  private static @Nullable MessageDigest prototype(byte[] namespace) {
    MessageDigest sha = sha256();
    sha.update(namespace);
    try {
      return (MessageDigest) sha.clone();
    } catch (CloneNotSupportedException e) {
      return null;
    }
  }

  /** A digest that has digested the namespace, to which the key's own parts are added. */
  private static MessageDigest start(@Nullable MessageDigest prototype, byte[] namespace) {
    if (prototype != null) {
      try {
        return (MessageDigest) prototype.clone();
      } catch (CloneNotSupportedException e) {
        // Not expected of a digest that cloned once; start from scratch.
      }
    }
    MessageDigest sha = sha256();
    sha.update(namespace);
    return sha;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
