package dev.harbor.state.adk;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The bounded, injective encoding of ADK's ids into identity fields and kinds (see {@link
 * HarborSessionService}'s class comment).
 *
 * <p>Any Java string is an ADK id: empty, {@code "/"}, NUL, a lone surrogate, megabytes long. Our
 * identity fields and kinds are at most 256 UTF-8 bytes and refuse NUL and lone surrogates. A
 * string that is well-formed, NUL-free and short is kept readable: {@code "="} followed by the
 * string. Any other is {@code "#"} followed by the SHA-256 of its UTF-16 code units (which every
 * string has, lone surrogates included), and the original is stored beside it and checked on every
 * read. The two forms differ in their first character, so a readable form never equals a digest
 * form; and no encoded value starts with {@code "!"}, which the service's own scopes use.
 */
final class Keys {

  /** The longest original kept readable, in UTF-8 bytes. */
  static final int READABLE_BYTES = 120;

  private Keys() {}

  /**
   * One id: {@code "=" + id} or {@code "#" + sha256 hex}; at most {@code 1 + 120} UTF-8 bytes (a
   * digest is 65 ASCII characters).
   */
  static String one(String id) {
    if (readable(id)) {
      return "=" + id;
    }
    return "#" + digest(utf16(id));
  }

  /**
   * An (app, user) pair in one field: {@code "=" + app.length() + ":" + app + user} (the length
   * makes the split unambiguous), or a digest of both with the app's length.
   */
  static String pair(String app, String user) {
    String joined = app.length() + ":" + app + user;
    if (readable(joined)) {
      return "=" + joined;
    }
    byte[] a = utf16(app);
    byte[] u = utf16(user);
    byte[] input = new byte[4 + a.length + u.length];
    int n = app.length();
    input[0] = (byte) (n >>> 24);
    input[1] = (byte) (n >>> 16);
    input[2] = (byte) (n >>> 8);
    input[3] = (byte) n;
    System.arraycopy(a, 0, input, 4, a.length);
    System.arraycopy(u, 0, input, 4 + a.length, u.length);
    return "#" + digest(input);
  }

  /** Well-formed UTF-16, no NUL, and short enough to keep as it is. */
  static boolean readable(String s) {
    if (s.length() > READABLE_BYTES) {
      return false; // every char is at least one UTF-8 byte
    }
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
        bytes += 4;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      } else {
        bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
      }
    }
    return bytes <= READABLE_BYTES;
  }

  /** Whether every surrogate in {@code s} is part of a pair (so UTF-8 can carry it). */
  static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** The code units as they are: {@code getBytes(UTF_16BE)} would replace a lone surrogate. */
  private static byte[] utf16(String s) {
    byte[] bytes = new byte[s.length() * 2];
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      bytes[2 * i] = (byte) (c >>> 8);
      bytes[2 * i + 1] = (byte) c;
    }
    return bytes;
  }

  private static String digest(byte[] input) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(input));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
