package dev.harbor.state.crypto;

import dev.harbor.state.Quadruple;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The sealed payload's layout and its associated data.
 *
 * <pre>
 *   byte 0       format: 0x81 (version 1 of this envelope)
 *   bytes 1..    Tink AEAD ciphertext with Tink's output prefix:
 *                  0x01, the key id (4 bytes, big-endian: the key version), 12-byte nonce,
 *                  AES-256-GCM ciphertext, 16-byte tag
 * </pre>
 *
 * The associated data is the format byte and the slot, each string as a 4-byte length and its UTF-8
 * bytes (length-prefixed, so no two slots share one encoding). A ciphertext opened at any other
 * slot, tenant or format fails to authenticate.
 */
final class Envelope {

  /** Format version 1. */
  static final byte FORMAT_V1 = (byte) 0x81;

  /** Tink's prefix byte for keys with the TINK output prefix. */
  private static final byte TINK_PREFIX = 0x01;

  /** Bytes sealing adds to a payload: format byte, Tink prefix (5), nonce (12), tag (16). */
  static final int OVERHEAD = 1 + 5 + 12 + 16;

  private static final byte[] DOMAIN = "harbor-state/payload".getBytes(StandardCharsets.UTF_8);

  private Envelope() {}

  /** Whether the bytes have an envelope's shape (format byte, Tink prefix, minimum length). */
  static boolean looksSealed(byte[] bytes) {
    return bytes.length >= OVERHEAD && bytes[0] == FORMAT_V1 && bytes[1] == TINK_PREFIX;
  }

  /** The id of the key that sealed it; call only when {@link #looksSealed}. */
  static int keyId(byte[] bytes) {
    return ((bytes[2] & 0xff) << 24)
        | ((bytes[3] & 0xff) << 16)
        | ((bytes[4] & 0xff) << 8)
        | (bytes[5] & 0xff);
  }

  /** The associated data binding a payload to its slot. */
  static byte[] associatedData(Quadruple q, String kind) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    out.write(FORMAT_V1);
    writeField(out, DOMAIN);
    for (String s : new String[] {q.tenantId(), q.userId(), q.sessionId(), q.runId(), kind}) {
      writeField(out, s.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static void writeField(ByteArrayOutputStream out, byte[] field) {
    int n = field.length;
    out.write(n >>> 24);
    out.write(n >>> 16);
    out.write(n >>> 8);
    out.write(n);
    out.write(field, 0, n);
  }

  /** Prepends the format byte to Tink's ciphertext. */
  static byte[] wrap(byte[] tinkCiphertext) {
    byte[] out = new byte[tinkCiphertext.length + 1];
    out[0] = FORMAT_V1;
    System.arraycopy(tinkCiphertext, 0, out, 1, tinkCiphertext.length);
    return out;
  }

  /** Tink's ciphertext inside an envelope. */
  static byte[] unwrap(byte[] envelope) {
    byte[] out = new byte[envelope.length - 1];
    System.arraycopy(envelope, 1, out, 0, out.length);
    return out;
  }
}
