package dev.harbor.state.cli.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The chat workload's loss accounting: a message is due in a read when its add was acknowledged
 * before the read began and fewer than a window of other adds may have landed between the two (by
 * the calls' start and end times); a due message missing from the read is lost.
 */
final class ChatLoss {

  private ChatLoss() {}

  /** One acknowledged add: the message's key and its call's interval. */
  record Ack(int conversation, String key, long start, long end) {}

  /**
   * One read of a conversation: its interval, the keys it returned, and the key of the add it was
   * part of (empty for the final reads).
   */
  record Read(int conversation, long start, long end, Set<String> keys, String owner) {}

  /**
   * Checks every read against the acknowledged adds (see the class comment).
   *
   * @return {due pairs, lost messages}
   */
  static long[] lost(List<Ack> acks, List<Read> reads, int conversations) {
    List<List<Ack>> byConversation = new ArrayList<>();
    for (int c = 0; c < conversations; c++) {
      byConversation.add(new ArrayList<>());
    }
    for (Ack a : acks) {
      byConversation.get(a.conversation()).add(a);
    }
    List<List<Read>> readsByConversation = new ArrayList<>();
    for (int c = 0; c < conversations; c++) {
      readsByConversation.add(new ArrayList<>());
    }
    for (Read r : reads) {
      readsByConversation.get(r.conversation()).add(r);
    }
    long due = 0;
    Set<String> lost = new HashSet<>();
    for (int c = 0; c < conversations; c++) {
      Ack[] byEnd = byConversation.get(c).toArray(Ack[]::new);
      Arrays.sort(byEnd, Comparator.comparingLong(Ack::end));
      Ack[] byStart = byEnd.clone();
      Arrays.sort(byStart, Comparator.comparingLong(Ack::start));
      long[] ends = Arrays.stream(byEnd).mapToLong(Ack::end).toArray();
      long[] starts = Arrays.stream(byStart).mapToLong(Ack::start).toArray();
      long longest = 0;
      for (Ack a : byEnd) {
        longest = Math.max(longest, a.end() - a.start());
      }
      for (Read r : readsByConversation.get(c)) {
        // Candidates: acked before the read began, newest first.
        long newestBadStart = Long.MIN_VALUE;
        for (int i = upperBound(ends, r.start() - 1) - 1; i >= 0; i--) {
          Ack m = byEnd[i];
          if (m.end() < newestBadStart) {
            break; // ended before an add that was already out of the window began: out too
          }
          if (m.key().equals(r.owner())) {
            continue;
          }
          if (mayFollow(byStart, starts, m, r, longest) >= ChatBench.WINDOW) {
            newestBadStart = Math.max(newestBadStart, m.start());
            continue;
          }
          due++;
          if (!r.keys().contains(m.key())) {
            lost.add(m.key());
          }
        }
      }
    }
    return new long[] {due, lost.size()};
  }

  /**
   * Adds other than {@code m} and the read's own that may take effect between {@code m} and the
   * read: ended after {@code m} began and began before the read ended; counting stops at the
   * window.
   */
  private static int mayFollow(Ack[] byStart, long[] starts, Ack m, Read r, long longest) {
    int count = 0;
    for (int i = upperBound(starts, r.end() - 1) - 1; i >= 0 && count < ChatBench.WINDOW; i--) {
      Ack x = byStart[i];
      if (x.start() < m.start() - longest) {
        break; // began so long before m that it ended before m began
      }
      if (x.end() > m.start() && !x.key().equals(m.key()) && !x.key().equals(r.owner())) {
        count++;
      }
    }
    return count;
  }

  /** The number of values at most {@code limit} in a sorted array. */
  private static int upperBound(long[] sorted, long limit) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= limit) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
