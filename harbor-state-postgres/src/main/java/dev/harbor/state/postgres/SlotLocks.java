package dev.harbor.state.postgres;

import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;

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

  SlotLocks(String schema) {
    this.slotNamespace = frame("harbor-state/slot-lock/v1", schema);
    this.scopeNamespace = frame("harbor-state/scope-lock/v1", schema);
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
    MessageDigest sha = sha256();
    sha.update(scopeNamespace);
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
    MessageDigest sha = sha256();
    sha.update(slotNamespace);
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
  static Long[] ordered(Collection<Long> keys) {
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

  private static byte[] frame(String... parts) {
    byte[][] encoded =
        Arrays.stream(parts).map(p -> p.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    int size = Arrays.stream(encoded).mapToInt(b -> 4 + b.length).sum();
    ByteBuffer out = ByteBuffer.allocate(size);
    for (byte[] b : encoded) {
      out.putInt(b.length).put(b);
    }
    return out.array();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
