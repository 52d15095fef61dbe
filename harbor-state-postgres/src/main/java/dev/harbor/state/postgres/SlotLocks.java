package dev.harbor.state.postgres;

import dev.harbor.state.Quadruple;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;

/**
 * Advisory lock keys for slots, computed in the client so every store instance (every pool, process
 * or node) on one database agrees. The encoding is injective (a namespace, the schema and the five
 * slot strings, each UTF-8 with a length prefix), hashed with SHA-256 to the 64 bits {@code
 * pg_advisory_xact_lock} takes. Two slots sharing a key only serialize more than needed;
 * correctness never depends on keys being distinct.
 */
final class SlotLocks {

  private final byte[] namespace;

  SlotLocks(String schema) {
    this.namespace = frame("harbor-state/slot-lock/v1", schema);
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
    sha.update(namespace);
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
