package dev.harbor.state.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The adaptive rule of {@link AloneLimit}, fed with commit times the test chooses (ticker readings
 * passed in): nothing here is timed, so every decision is the rule's, never the machine's.
 */
class AloneLimitTest {

  private static final long US = 1_000L;

  private long clock = 1_000_000_000L;

  private static AloneLimit limit(int initial) {
    return AloneLimit.adaptive(initial, 3, 12, () -> 0L);
  }

  /**
   * One round of {@link AloneLimit#ROUND} lone commits of {@code took} each, {@code concurrent} of
   * them in flight at a time (so that many are in flight on average), one batch after the other.
   */
  private void round(AloneLimit l, long took, int concurrent, boolean turnedAway) {
    if (turnedAway) {
      l.turnedAway();
    }
    for (int i = 0; i < AloneLimit.ROUND; i += concurrent) {
      for (int j = 0; j < concurrent && i + j < AloneLimit.ROUND; j++) {
        l.lone(clock, clock + took);
      }
      clock += took;
    }
  }

  @Test
  void beforeAnyRound_theLimitIsTheInitialOne() {
    AloneLimit l = limit(8);
    assertThat(l.current()).isEqualTo(8);
    assertThat(l.base()).isNaN();
  }

  @Test
  void unhinderedCommits_withCallersTurnedAway_letOneMoreCommitAlone_perRound() {
    AloneLimit l = limit(8);
    round(l, 100 * US, 1, true); // the first round sets the unhindered time
    assertThat(l.current()).isEqualTo(9);
    round(l, 100 * US, 4, true); // four at once, each as fast as alone: the backend has room
    assertThat(l.current()).isEqualTo(10);
    assertThat(l.base()).isEqualTo(100.0 * US);
  }

  @Test
  void withNobodyTurnedAway_theLimitDoesNotGrow() {
    AloneLimit l = limit(8);
    round(l, 100 * US, 1, false);
    round(l, 100 * US, 4, false);
    assertThat(l.current()).isEqualTo(8);
  }

  @Test
  void crowdedCommits_letOneFewerCommitAlone_perRound() {
    AloneLimit l = limit(8);
    round(l, 100 * US, 1, false);
    // Eight in flight, each taking four times its unhindered time: six of them wait (8 × 3/4).
    round(l, 400 * US, 8, true);
    assertThat(l.current()).isEqualTo(7);
    round(l, 400 * US, 8, true);
    assertThat(l.current()).isEqualTo(6);
  }

  @Test
  void slowerCommitsWithoutCrowding_doNotLowerIt() {
    AloneLimit l = limit(8);
    round(l, 100 * US, 1, false);
    // One at a time but four times slower (a slower disk, say): nothing waits behind anything.
    round(l, 400 * US, 1, true);
    assertThat(l.current()).isEqualTo(9);
  }

  @Test
  void betweenRoomyAndCrowded_nothingMoves() {
    AloneLimit l = limit(8);
    round(l, 100 * US, 1, false);
    // Four in flight at twice the unhindered time: two wait (4 × 1/2), between 1 and 3.
    round(l, 200 * US, 4, true);
    assertThat(l.current()).isEqualTo(8);
  }

  @Test
  void groupCommitsInFlight_countAmongTheCrowd() {
    AloneLimit l = limit(8);
    round(l, 100 * US, 1, false);
    // Two lone commits at a time at twice the unhindered time: one waits, in between. With two
    // groups committing beside them all along, four are in flight and two wait: still in between;
    // with six groups, eight are in flight and four wait: crowded.
    long start = clock;
    for (int g = 0; g < 6; g++) {
      l.group(start, start + 4 * 200 * US);
    }
    round(l, 200 * US, 2, true);
    assertThat(l.current()).isEqualTo(7);
  }

  @Test
  void theUnhinderedTime_creepsUpTowardsSlowerRounds() {
    AloneLimit l = limit(8);
    round(l, 100 * US, 1, false);
    round(l, 164 * US, 1, false);
    assertThat(l.base()).isEqualTo(101.0 * US);
    round(l, 50 * US, 1, false);
    assertThat(l.base()).isEqualTo(50.0 * US);
  }

  @Test
  void theLimitStaysBetweenFloorAndCeiling() {
    AloneLimit l = limit(8);
    round(l, 100 * US, 1, false);
    for (int i = 0; i < 20; i++) {
      round(l, 100 * US, 1, true);
    }
    assertThat(l.current()).isEqualTo(12);
    for (int i = 0; i < 20; i++) {
      round(l, 1_000 * US, 8, true);
    }
    assertThat(l.current()).isEqualTo(3);
  }

  @Test
  void aRoundTakesAtLeastItsLoneCommits() {
    AloneLimit l = limit(8);
    round(l, 100 * US, 1, false);
    l.turnedAway();
    for (int i = 0; i < AloneLimit.ROUND - 1; i++) {
      l.lone(clock, clock + 100 * US);
      clock += 100 * US;
    }
    assertThat(l.current()).isEqualTo(8);
    l.lone(clock, clock + 100 * US);
    assertThat(l.current()).isEqualTo(9);
  }

  @Test
  void aFixedLimit_neverMoves() {
    AloneLimit l = AloneLimit.fixed(8);
    round(l, 100 * US, 1, true);
    round(l, 100 * US, 1, true);
    round(l, 1_000 * US, 8, true);
    assertThat(l.current()).isEqualTo(8);
    assertThat(l.adaptive()).isFalse();
  }

  @Test
  void badBounds_areRefused() {
    assertThatThrownBy(() -> AloneLimit.adaptive(2, 3, 12))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AloneLimit.adaptive(13, 3, 12))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AloneLimit.fixed(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
