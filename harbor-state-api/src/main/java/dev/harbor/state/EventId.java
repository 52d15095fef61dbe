package dev.harbor.state;

import java.security.SecureRandom;

/**
 * The caller-supplied idempotency key of a write. Any non-empty string is valid (the store never
 * checks ULID shape); {@link #newId()} makes a ULID. Event ids are unique among live records across
 * the whole store; once the slot holding one is overwritten or deleted, the id is forgotten and may
 * be used again. A {@code null} value is turned into {@code ""}; construction never throws.
 *
 * <p>Ordering is by the {@link String#compareTo natural order} of the value, which for ULIDs of one
 * JVM is creation order.
 *
 * @param value the id, never {@code null}
 */
public record EventId(String value) implements Comparable<EventId> {

  /**
   * Normalizes {@code null} to {@code ""}.
   *
   * @param value the id; {@code null} becomes {@code ""}
   */
  public EventId {
    value = value == null ? "" : value;
  }

  /**
   * Wraps a string.
   *
   * @param value the id; {@code null} becomes {@code ""}, which the store rejects
   * @return the event id
   */
  public static EventId of(String value) {
    return new EventId(value);
  }

  /**
   * A new ULID: 26 Crockford base-32 characters, a millisecond timestamp followed by 80 random
   * bits. Ids made by one JVM are strictly increasing, also when many threads call at once and when
   * the wall clock steps back.
   *
   * @return a fresh event id
   */
  public static EventId newId() {
    return new EventId(UlidGenerator.INSTANCE.next());
  }

  @Override
  public int compareTo(EventId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }

  /**
   * A small monotonic ULID generator of our own: about forty lines, so the API module needs no
   * dependency. Within one millisecond (or when the clock goes back) the previous id's random part
   * is incremented, which keeps ids strictly increasing; randomness is drawn only once per
   * millisecond.
   */
  static final class UlidGenerator {
    static final UlidGenerator INSTANCE = new UlidGenerator();
    private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final long RANDOM_LOW_MASK =
        0xFFFF_FFFF_FFFFL; // 48 bits, plus 32 high bits = 80

    private final SecureRandom random = new SecureRandom();
    private long lastMillis = -1;
    private long randomHigh; // 32 bits
    private long randomLow; // 48 bits

    synchronized String next() {
      return next(System.currentTimeMillis());
    }

    synchronized String next(long nowMillis) {
      if (nowMillis > lastMillis) {
        lastMillis = nowMillis;
        randomHigh = random.nextInt() & 0xFFFF_FFFFL;
        randomLow = random.nextLong() & RANDOM_LOW_MASK;
      } else if (++randomLow > RANDOM_LOW_MASK) {
        randomLow = 0;
        if (++randomHigh > 0xFFFF_FFFFL) {
          randomHigh = 0;
          lastMillis++; // the 80 random bits overflowed: borrow the next millisecond
        }
      }
      return encode(lastMillis, randomHigh, randomLow);
    }

    private static String encode(long millis, long high32, long low48) {
      char[] out = new char[26];
      // 48-bit time -> 10 chars (the first carries 3 bits); 80-bit randomness -> 16 chars.
      for (int i = 9; i >= 0; i--) {
        out[i] = CROCKFORD[(int) (millis & 31)];
        millis >>>= 5;
      }
      // 80 bits = high32 (bits 79..48) + low48 (bits 47..0); 16 groups of 5 bits.
      for (int i = 25; i >= 10; i--) {
        out[i] = CROCKFORD[(int) (low48 & 31)];
        low48 = (low48 >>> 5) | ((high32 & 31) << 43);
        high32 >>>= 5;
      }
      return new String(out);
    }
  }
}
