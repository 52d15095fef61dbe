package dev.harbor.state.langgraph4j;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The session id a LangGraph4j thread id lives at: a total, injective mapping of every Java string
 * onto the store's limits (non-empty, no U+0000, no lone surrogate, at most 256 UTF-8 bytes).
 *
 * <ul>
 *   <li>{@code "t:" + threadId} when the thread id is within the limits as it is and at most
 *       {@value #MAX_PLAIN_BYTES} UTF-8 bytes: readable in the store, one-to-one;
 *   <li>{@code "h:" + hex(SHA-256(UTF-16BE code units of threadId))} otherwise: 66 characters for
 *       any thread id, hashed over its code units so that a lone surrogate or NUL is digested as it
 *       is rather than replaced.
 * </ul>
 *
 * The two prefixes keep the forms apart, so the mapping is injective up to a SHA-256 collision; the
 * head record stores the original thread id and every read checks it, so even a collision is
 * refused rather than merged.
 */
final class ThreadKeys {

  /** Room left for the two-character prefix within the store's 256 bytes, with margin. */
  static final int MAX_PLAIN_BYTES = 200;

  private ThreadKeys() {}

  /** The session id of a thread id. */
  static String sessionOf(String threadId) {
    if (isPlain(threadId)) {
      return "t:" + threadId;
    }
    return "h:" + HexFormat.of().formatHex(sha256(threadId));
  }

  private static boolean isPlain(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\0') {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return false;
      }
      if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    // Well-formed now, so the UTF-8 length is exact.
    return s.getBytes(UTF_8).length <= MAX_PLAIN_BYTES;
  }

  private static byte[] sha256(String s) {
    ByteBuffer units = ByteBuffer.allocate(s.length() * 2);
    for (int i = 0; i < s.length(); i++) {
      units.putChar(s.charAt(i));
    }
    try {
      return MessageDigest.getInstance("SHA-256").digest(units.array());
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256.
      throw new IllegalStateException(e);
    }
  }
}
