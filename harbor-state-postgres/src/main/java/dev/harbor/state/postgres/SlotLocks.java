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
 * defects 3 and 4; issue 17, defect 1): each write to a slot takes its scope's (tenant, user,
 * session) lock shared and the slot's lock exclusive, in its transaction, before its first read;
 * {@code deleteScope} takes the scope's lock exclusive, and so does {@code saveAll} for each scope
 * of its batch instead of a lock per slot (the shared lock table then holds one lock per session of
 * a batch, not two per record). So no write changes a slot that a conditional write has checked
 * until that write commits, two writes of one slot never race on its unique indexes, and no write
 * enters a scope while it is being erased. Every caller takes scope locks before slot locks, each
 * in ascending key order ({@link Keys}), so they never deadlock.
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
  record Keys(Long[] scopes, Long[] slots) {}

  /**
   * A slot.
   *
   * @param identity its quadruple
   * @param kind its kind
   */
  record Slot(Quadruple identity, String kind) {}

  private final byte[] slotNamespace;
  private final byte[] scopeNamespace;

  /**
   * SHA-256 states that have already digested the slot and the scope namespace, or null where the
   * platform's digests cannot be cloned: each key clones one, which is cheaper than {@link
   * MessageDigest#getInstance} (a provider lookup) per key, and a batch computes a key per record.
   * Never updated after construction, so clones may be taken concurrently.
   */
  private final @Nullable MessageDigest slotPrototype;

  private final @Nullable MessageDigest scopePrototype;

  SlotLocks(String schema) {
    this.slotNamespace = frame("harbor-state/slot-lock/v1", schema);
    this.scopeNamespace = frame("harbor-state/scope-lock/v1", schema);
    this.slotPrototype = prototype(slotNamespace);
    this.scopePrototype = prototype(scopeNamespace);
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
   * The locks a batch ({@code saveAll}) takes: its scopes', exclusive, ordered.
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
   * The lock key of one scope (tenant, user, session): shared by writes into it, exclusive for its
   * erasure.
   *
   * @param identity the scope
   * @return the key
   */
  long scopeKey(Identity identity) {
    MessageDigest sha = start(scopePrototype, scopeNamespace);
    sha.update(frame(identity.tenantId(), identity.userId(), identity.sessionId()));
    return ByteBuffer.wrap(sha.digest()).getLong();
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
