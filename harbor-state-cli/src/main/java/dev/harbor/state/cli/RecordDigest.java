package dev.harbor.state.cli;

import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * A SHA-256 over a stream of records and their count, covering every field: slot, event id,
 * version, bytes and {@code updatedAt}. Each field is length-prefixed, so no two different record
 * sequences feed the same bytes.
 */
final class RecordDigest {

  private final MessageDigest sha;
  private long count;

  RecordDigest() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  void add(StateRecord r) {
    Quadruple q = r.identity();
    text(q.tenantId());
    text(q.userId());
    text(q.sessionId());
    text(q.runId());
    text(r.kind());
    text(r.id().value());
    ByteBuffer fixed = ByteBuffer.allocate(8 + 8 + 4 + 1);
    fixed.putLong(r.version());
    Instant at = r.updatedAt();
    if (at == null) {
      fixed.putLong(0).putInt(0).put((byte) 0);
    } else {
      fixed.putLong(at.getEpochSecond()).putInt(at.getNano()).put((byte) 1);
    }
    sha.update(fixed.array());
    bytes(r.bytes());
    count++;
  }

  long count() {
    return count;
  }

  /** The hex digest; ends the digest. */
  String hex() {
    return HexFormat.of().formatHex(sha.digest());
  }

  private void text(String s) {
    bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  private void bytes(byte[] b) {
    sha.update(ByteBuffer.allocate(4).putInt(b.length).array());
    sha.update(b);
  }
}
