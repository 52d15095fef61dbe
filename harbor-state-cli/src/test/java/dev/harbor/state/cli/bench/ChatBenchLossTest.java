package dev.harbor.state.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.cli.bench.ChatLoss.Ack;
import dev.harbor.state.cli.bench.ChatLoss.Read;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The chat benchmark's loss count on hand-made histories: an acknowledged message is lost only when
 * a read misses it while fewer than 20 other adds could have followed it.
 */
class ChatBenchLossTest {

  /** Adds a0..a{n-1} one after another on conversation 0, each call [10i, 10i + 5]. */
  private static List<Ack> sequential(int n) {
    List<Ack> acks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      acks.add(new Ack(0, "a" + i, 10L * i, 10L * i + 5));
    }
    return acks;
  }

  private static Read finalRead(int from, int to, String... missing) {
    Set<String> keys = new HashSet<>();
    for (int i = from; i < to; i++) {
      keys.add("a" + i);
    }
    keys.removeAll(List.of(missing));
    return new Read(0, 1_000_000, 1_000_000, keys, "");
  }

  @Test
  void theLastTwentyPresent_noneLost_andEvictedOnesAreNotDue() {
    long[] r = ChatLoss.lost(sequential(25), List.of(finalRead(5, 25)), 1);
    assertThat(r).containsExactly(20, 0);
  }

  @Test
  void aMissingMessageInsideTheWindow_isLost_oneOutsideIsNot() {
    assertThat(ChatLoss.lost(sequential(25), List.of(finalRead(5, 25, "a24")), 1))
        .containsExactly(20, 1);
    assertThat(ChatLoss.lost(sequential(25), List.of(finalRead(5, 25, "a5")), 1))
        .as("a5 has 19 followers: still in the window")
        .containsExactly(20, 1);
    assertThat(ChatLoss.lost(sequential(25), List.of(finalRead(6, 25)), 1))
        .isEqualTo(new long[] {20, 1});
    assertThat(ChatLoss.lost(sequential(25), List.of(finalRead(10, 25)), 1))
        .as("a5..a9 missing")
        .containsExactly(20, 5);
  }

  @Test
  void aReadOnlyOwesWhatWasAcknowledgedBeforeItBegan() {
    // a0 acked at 10; a1 still running over the read; the read is inside add "o".
    List<Ack> acks =
        List.of(new Ack(0, "a0", 0, 10), new Ack(0, "a1", 5, 30), new Ack(0, "o", 15, 40));
    assertThat(ChatLoss.lost(acks, List.of(new Read(0, 20, 25, Set.of("a0"), "o")), 1))
        .containsExactly(1, 0);
    assertThat(ChatLoss.lost(acks, List.of(new Read(0, 20, 25, Set.of(), "o")), 1))
        .containsExactly(1, 1);
  }

  @Test
  void addsThatMayHaveFollowed_countTowardTheWindow_evenWhenTheyOverlap() {
    // m, then 20 adds that all overlap each other and end after m began: m may be evicted.
    List<Ack> acks = new ArrayList<>();
    acks.add(new Ack(0, "m", 0, 10));
    for (int i = 0; i < 20; i++) {
      acks.add(new Ack(0, "x" + i, 5, 50 + i));
    }
    Set<String> xs = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      xs.add("x" + i);
    }
    assertThat(ChatLoss.lost(acks, List.of(new Read(0, 100, 100, xs, "")), 1))
        .as("21 adds that may come in any order: none is surely in the last 20")
        .containsExactly(0, 0);
    // With 19 of them, all 20 are due, and m is missing.
    acks.remove(acks.size() - 1);
    xs.remove("x19");
    assertThat(ChatLoss.lost(acks, List.of(new Read(0, 100, 100, xs, "")), 1))
        .containsExactly(20, 1);
  }

  @Test
  void conversationsAreCheckedSeparately() {
    List<Ack> acks = List.of(new Ack(0, "a", 0, 5), new Ack(1, "b", 0, 5));
    List<Read> reads =
        List.of(new Read(0, 10, 10, Set.of("a"), ""), new Read(1, 10, 10, Set.of("a"), ""));
    assertThat(ChatLoss.lost(acks, reads, 2)).containsExactly(2, 1);
  }
}
