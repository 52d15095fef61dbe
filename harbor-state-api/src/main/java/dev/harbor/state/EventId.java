package dev.harbor.state;

import java.security.NoSuchAlgorithmException;
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
   * the wall clock steps back. They cannot be guessed: the first id of a millisecond has 80 fresh
   * bits of a cryptographically strong generator, and each further id of the same millisecond is
   * the previous one plus 1 plus 64 fresh bits, so no number of earlier ids tells the next one.
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
   * A small monotonic ULID generator of our own, so the API module needs no dependency. Within one
   * millisecond (or when the clock goes back) the next random part is the previous one plus 1 plus
   * a fresh 64-bit random number: still strictly increasing, but the step is as unguessable as a
   * new id (SPEC 9.1). When that would overflow the 80 bits, the generator borrows the next
   * millisecond and draws a fresh random part; ids then run slightly ahead of the clock until it
   * catches up.
   *
   * <p>The random bits come from one {@link SecureRandom} that never blocks: {@code
   * NativePRNGNonBlocking} where the platform has it (seeded from and mixed with {@code
   * /dev/urandom}), else the platform's default. A {@code DRBG} would be faster, but the JDK seeds
   * it from {@code /dev/random}, which older kernels block on after boot, and the first id must
   * never wait for entropy. They are drawn a pool at a time under the generator's lock: one call
   * per id costs more than the id's arithmetic, a pool of 512 bytes amortizes it over about sixty
   * ids (docs/PERFORMANCE.md, "Event ids"). Bytes of the pool are used once and never leave it
   * before they are used, so buffering reveals nothing.
   */
  static final class UlidGenerator {
    static final UlidGenerator INSTANCE = new UlidGenerator();
    private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final long HIGH_MAX = 0xFFFFL; // the random part's top 16 bits, above 64
    private static final int POOL_BYTES = 512;

    private final SecureRandom random;
    private final byte[] pool = new byte[POOL_BYTES];
    private int used = POOL_BYTES;
    private long lastMillis = -1;
    private long high; // bits 79..64 of the random part
    private long low; // bits 63..0, unsigned

    /** A generator drawing from the platform's non-blocking strong generator. */
    UlidGenerator() {
      this(strongRandom());
    }

    /**
     * A generator drawing from {@code random}, for tests.
     *
     * @param random a cryptographically strong generator
     */
    UlidGenerator(SecureRandom random) {
      this.random = random;
    }

    private static SecureRandom strongRandom() {
      try {
        return SecureRandom.getInstance("NativePRNGNonBlocking");
      } catch (NoSuchAlgorithmException e) {
        return new SecureRandom(); // Windows: a DRBG seeded by the system, which does not block
      }
    }

    synchronized String next() {
      return next(System.currentTimeMillis());
    }

    synchronized String next(long nowMillis) {
      if (nowMillis > lastMillis) {
        fresh(nowMillis);
      } else {
        long r = draw(8);
        long sum = low + r + 1; // modulo 2^64; a step of 1..2^64
        // The step is at least 1 and at most 2^64, so the sum wrapped (carry into high) exactly
        // when it is not above low (equal only for the step of 2^64).
        boolean carry = Long.compareUnsigned(sum, low) <= 0;
        if (carry && high == HIGH_MAX) {
          fresh(lastMillis + 1); // the 80 random bits would overflow: borrow the next millisecond
        } else {
          low = sum;
          high += carry ? 1 : 0;
        }
      }
      return encode(lastMillis, high, low);
    }

    /** Starts a millisecond with a fresh random part of 80 bits. */
    private void fresh(long millis) {
      lastMillis = millis;
      high = draw(2);
      low = draw(8);
    }

    /** The next {@code bytes} unused bytes of the pool as an unsigned number, refilling it. */
    private long draw(int bytes) {
      long v = 0;
      for (int i = 0; i < bytes; i++) {
        if (used == POOL_BYTES) {
          random.nextBytes(pool);
          used = 0;
        }
        v = (v << 8) | (pool[used++] & 0xFF);
      }
      return v;
    }

    private static String encode(long millis, long high16, long low64) {
      char[] out = new char[26];
      // 48-bit time -> 10 chars (the first carries 3 bits); 80-bit randomness -> 16 chars.
      for (int i = 9; i >= 0; i--) {
        out[i] = CROCKFORD[(int) (millis & 31)];
        millis >>>= 5;
      }
      // 80 bits = high16 (bits 79..64) + low64 (bits 63..0); 16 groups of 5 bits.
      for (int i = 25; i >= 10; i--) {
        out[i] = CROCKFORD[(int) (low64 & 31)];
        low64 = (low64 >>> 5) | ((high16 & 31) << 59);
        high16 >>>= 5;
      }
      return new String(out);
    }
  }
}
