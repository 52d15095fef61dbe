package dev.harbor.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link EventId#newId()} cannot be guessed (SPEC 9.1): ids stay 26-character ULIDs, strictly
 * increasing, but the step from one id to the next, also within one millisecond, carries 64 fresh
 * bits of a cryptographically strong generator, so no id tells the next.
 */
class EventIdTest {

  private static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

  /** The 130 bits a ULID's 26 characters encode: 48 bits of time above 80 random bits. */
  private static BigInteger value(String ulid) {
    BigInteger v = BigInteger.ZERO;
    for (char c : ulid.toCharArray()) {
      int digit = CROCKFORD.indexOf(c);
      assertThat(digit).as("Crockford digit %s of %s", c, ulid).isNotNegative();
      v = v.shiftLeft(5).add(BigInteger.valueOf(digit));
    }
    return v;
  }

  private static long millis(String ulid) {
    return value(ulid).shiftRight(80).longValueExact();
  }

  /** Back-to-back ids of one generator whose clock stands still at one millisecond. */
  private static List<String> sameMillisecond(EventId.UlidGenerator g, int n) {
    List<String> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(g.next(1_700_000_000_000L));
    }
    return ids;
  }

  /** The steps between consecutive ids of one millisecond (a borrowed millisecond is skipped). */
  private static List<BigInteger> stepsWithinAMillisecond(List<String> ids) {
    List<BigInteger> steps = new ArrayList<>();
    for (int i = 1; i < ids.size(); i++) {
      if (millis(ids.get(i)) == millis(ids.get(i - 1))) {
        steps.add(value(ids.get(i)).subtract(value(ids.get(i - 1))));
      }
    }
    return steps;
  }

  @Test
  void newId_isNeverThePreviousIdPlusOne() {
    // Today's finding: 9,985 of 10,000 back-to-back pairs were +1, so a tenant could name the id
    // that the next caller (another tenant) would get.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(EventId.newId().value());
    }
    int plusOne = 0;
    for (int i = 1; i < ids.size(); i++) {
      if (value(ids.get(i)).subtract(value(ids.get(i - 1))).equals(BigInteger.ONE)) {
        plusOne++;
      }
    }
    assertThat(plusOne).as("pairs of back-to-back ids where the next is the previous + 1").isZero();
  }

  @Test
  void withinOneMillisecond_theStepIsRandom_notPlusOne() {
    List<String> ids = sameMillisecond(new EventId.UlidGenerator(), 10_000);
    List<BigInteger> steps = stepsWithinAMillisecond(ids);
    assertThat(steps.size()).as("steps within the millisecond").isGreaterThan(5_000);
    assertThat(steps).allSatisfy(s -> assertThat(s.signum()).isPositive());
    assertThat(steps).as("steps of exactly 1").doesNotContain(BigInteger.ONE);
    assertThat(new HashSet<>(steps)).as("distinct steps").hasSameSizeAs(steps);
    for (int i = 1; i < steps.size(); i++) {
      assertThat(steps.get(i))
          .as("step %d equals step %d", i, i - 1)
          .isNotEqualTo(steps.get(i - 1));
    }
  }

  @Test
  void withinOneMillisecond_eachStepCarries64UniformBits() {
    List<BigInteger> steps =
        stepsWithinAMillisecond(sameMillisecond(new EventId.UlidGenerator(), 10_000));
    // A step is 1 + r, r uniform over 64 bits: every bit of r is set in about half of the steps
    // (10 standard deviations of slack either side: never fails by chance), and its bytes spread
    // over all 256 values with near-maximal entropy.
    int[] ones = new int[64];
    int[] byteCounts = new int[256];
    for (BigInteger s : steps) {
      assertThat(s).isLessThanOrEqualTo(TWO_TO_64);
      long r = s.subtract(BigInteger.ONE).longValue();
      for (int bit = 0; bit < 64; bit++) {
        ones[bit] += (int) ((r >>> bit) & 1);
      }
      for (int b = 0; b < 8; b++) {
        byteCounts[(int) ((r >>> (8 * b)) & 0xFF)]++;
      }
    }
    int n = steps.size();
    double slack = 10 * Math.sqrt(n / 4.0);
    for (int bit = 0; bit < 64; bit++) {
      assertThat((double) ones[bit])
          .as("steps with bit %d set, of %d", bit, n)
          .isBetween(n / 2.0 - slack, n / 2.0 + slack);
    }
    double entropy = 0;
    for (int count : byteCounts) {
      if (count > 0) {
        double p = count / (8.0 * n);
        entropy -= p * Math.log(p) / Math.log(2);
      }
    }
    assertThat(entropy).as("Shannon entropy of the steps' bytes, bits per byte").isGreaterThan(7.9);
  }

  @Test
  void everyId_drawsAtLeast64BitsFromTheStrongGenerator() {
    CountingRandom random = new CountingRandom();
    EventId.UlidGenerator g = new EventId.UlidGenerator(random);
    int n = 5_000;
    sameMillisecond(g, n);
    assertThat(random.bytes).as("bytes drawn for %d ids", n).isGreaterThanOrEqualTo(8L * n);
  }

  @Test
  void aRandomPartAboutToOverflow_borrowsTheNextMillisecond_andStaysIncreasing() {
    // All bits set: the first id's random part is the largest, and every step the largest, 2^64.
    EventId.UlidGenerator g = new EventId.UlidGenerator(new AllOnesRandom());
    List<String> ids = sameMillisecond(g, 50);
    for (int i = 1; i < ids.size(); i++) {
      assertThat(ids.get(i)).isGreaterThan(ids.get(i - 1));
      assertThat(millis(ids.get(i))).isEqualTo(millis(ids.get(i - 1)) + 1);
    }
    assertThat(ids).allSatisfy(id -> assertThat(id).hasSize(26));
  }

  @Test
  void staysIncreasing_whenTheClockStepsBack_andAcrossBorrowedMilliseconds() {
    EventId.UlidGenerator g = new EventId.UlidGenerator();
    List<String> ids = new ArrayList<>();
    ids.add(g.next(1_000_000));
    ids.add(g.next(999_000)); // the clock went back
    ids.add(g.next(1_000_000));
    ids.addAll(sameMillisecond(g, 200_000)); // long enough to overflow 80 bits and borrow
    for (int i = 1; i < ids.size(); i++) {
      if (ids.get(i).compareTo(ids.get(i - 1)) <= 0) {
        throw new AssertionError("id " + i + " is not above id " + (i - 1) + ": " + ids.get(i));
      }
    }
    assertThat(millis(ids.get(ids.size() - 1)))
        .as("borrowed milliseconds after 200,000 ids in one")
        .isGreaterThan(1_700_000_000_000L);
  }

  /** A strong generator that counts the bytes drawn from it. */
  private static final class CountingRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;
    long bytes;

    @Override
    public void nextBytes(byte[] out) {
      bytes += out.length;
      super.nextBytes(out);
    }
  }

  /** The worst case for overflow: every bit drawn is set. */
  private static final class AllOnesRandom extends SecureRandom {
    private static final long serialVersionUID = 1L;

    @Override
    public void nextBytes(byte[] out) {
      Arrays.fill(out, (byte) 0xFF);
    }
  }
}
