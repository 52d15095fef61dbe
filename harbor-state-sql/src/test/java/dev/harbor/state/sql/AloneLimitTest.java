package dev.harbor.state.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The adaptive rule of {@link AloneLimit}, fed with latencies the test chooses: nothing here is
 * timed, so every decision is the rule's, never the machine's.
 */
class AloneLimitTest {

  private static final long MS = 1_000_000L;

  private static AloneLimit limit(int initial) {
    return AloneLimit.adaptive(initial, 3, 12, () -> 0L);
  }

  /** One round: {@link AloneLimit#ROUND} samples of each kind, the lone ones first. */
  private static void round(AloneLimit l, long lone, long grouped) {
    for (int i = 0; i < AloneLimit.ROUND; i++) {
      l.lone(lone);
    }
    for (int i = 0; i < AloneLimit.ROUND; i++) {
      l.grouped(grouped);
    }
  }

  @Test
  void beforeAnyRound_theLimitIsTheInitialOne() {
    assertThat(limit(8).current()).isEqualTo(8);
  }

  @Test
  void lonesClearlyCheaperThanAQueuedCallersWait_letOneMoreWriterCommitAlone_perRound() {
    AloneLimit l = limit(8);
    round(l, 1 * MS, 2 * MS);
    assertThat(l.current()).isEqualTo(9);
    round(l, 1 * MS, 2 * MS);
    assertThat(l.current()).isEqualTo(10);
  }

  @Test
  void lonesClearlyDearer_letOneFewerCommitAlone_perRound() {
    AloneLimit l = limit(8);
    round(l, 3 * MS, 2 * MS);
    assertThat(l.current()).isEqualTo(7);
    round(l, 3 * MS, 2 * MS);
    assertThat(l.current()).isEqualTo(6);
  }

  @Test
  void withinTheBand_nothingChanges() {
    AloneLimit l = limit(8);
    round(l, 2 * MS, 2 * MS);
    round(l, 2 * MS * 9 / 10, 2 * MS); // a tenth cheaper: not the fifth that moves it up
    round(l, 2 * MS * 12 / 10, 2 * MS); // a fifth dearer: not the quarter that moves it down
    assertThat(l.current()).isEqualTo(8);
  }

  @Test
  void theBandsEdges_moveIt() {
    AloneLimit up = limit(8);
    round(up, 8 * MS, 10 * MS); // exactly a fifth cheaper
    assertThat(up.current()).isEqualTo(9);
    AloneLimit down = limit(8);
    round(down, 10 * MS, 8 * MS); // exactly a quarter dearer
    assertThat(down.current()).isEqualTo(7);
  }

  @Test
  void theLimitStaysBetweenFloorAndCeiling() {
    AloneLimit l = limit(8);
    for (int i = 0; i < 20; i++) {
      round(l, 1 * MS, 10 * MS);
    }
    assertThat(l.current()).isEqualTo(12);
    for (int i = 0; i < 20; i++) {
      round(l, 10 * MS, 1 * MS);
    }
    assertThat(l.current()).isEqualTo(3);
  }

  @Test
  void aRoundNeedsEnoughOfBothKinds_soFewWritersAllAlone_changeNothing() {
    AloneLimit l = limit(8);
    for (int i = 0; i < 5_000; i++) {
      l.lone(1 * MS); // everyone commits alone: what a queued caller waits is not known
    }
    for (int i = 0; i < AloneLimit.ROUND - 1; i++) {
      l.grouped(100 * MS);
    }
    assertThat(l.current()).isEqualTo(8);
    l.grouped(100 * MS); // the round is complete only now
    assertThat(l.current()).isEqualTo(9);
  }

  @Test
  void aRoundComparesMeans_notSums() {
    AloneLimit l = limit(8);
    // 24 lone commits of 1.5 ms against 8 waits of 2 ms: more than twice the sum, cheaper each.
    for (int i = 0; i < 3 * AloneLimit.ROUND; i++) {
      l.lone(3 * MS / 2);
    }
    assertThat(l.current()).isEqualTo(8);
    for (int i = 0; i < AloneLimit.ROUND; i++) {
      l.grouped(2 * MS);
    }
    assertThat(l.current()).isEqualTo(9);
  }

  @Test
  void aStaleRound_isDropped_andTheNextStartsAfresh() {
    AloneLimit l = limit(8);
    for (int i = 0; i < AloneLimit.ROUND - 1; i++) {
      l.grouped(100 * MS); // almost a round of waits, long ago
    }
    for (int i = 0; i < AloneLimit.STALE; i++) {
      l.lone(1 * MS); // then only lone commits, long enough to drop the round
    }
    l.grouped(1 * MS); // one wait: a round it does not complete
    for (int i = 0; i < AloneLimit.ROUND; i++) {
      l.lone(1 * MS);
    }
    assertThat(l.current()).isEqualTo(8);
  }

  @Test
  void aFixedLimit_neverMoves() {
    AloneLimit l = AloneLimit.fixed(8);
    round(l, 1 * MS, 100 * MS);
    round(l, 100 * MS, 1 * MS);
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
