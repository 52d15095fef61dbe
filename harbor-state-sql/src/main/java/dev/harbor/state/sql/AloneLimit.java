package dev.harbor.state.sql;

import java.util.function.LongSupplier;

/**
 * Up to how many concurrent writers each commits alone (as nobody's leader) before callers queue
 * for the {@code maxLeaders} groups of a {@link GroupCommit}: fixed, or adapted to the latencies
 * the group commit measures.
 *
 * <p>The adaptive rule compares what the two ways of committing cost a caller at the moment, both
 * measured while both are in use (some callers commit alone and others queue): the mean time of a
 * lone commit, and the mean time a caller in a group waited from its call to its group's end (the
 * queue, then the group's commit). Moving one caller from the queue to a lone commit gains when a
 * lone commit takes less than that; so when lone commits were at least a fifth cheaper, one more
 * writer may commit alone, and when they took at least a quarter longer (the backend is saturated:
 * every lone commit adds a statement and a flush to it, where a group shares them), one fewer. In
 * between nothing changes, so the limit does not flap on noise. Each decision takes a fresh round
 * of at least {@link #ROUND} samples of each kind; while everyone commits alone (few writers) or
 * nobody does, no round completes and the limit stays. The limit never falls below a floor above
 * {@code maxLeaders}, so that lone commits keep being measured, nor rises above a ceiling.
 *
 * <p>Why it adapts at all: the writer count where grouping starts to pay is a property of the
 * machine (measured at 8 on a 2-core machine with PostgreSQL on it; PERFORMANCE.md, "Group commit
 * that adapts"). A server with more cores takes more lone commits before it saturates, a slower
 * round trip makes a queued caller wait longer; either moves the measured times, and with them the
 * limit, without a knob.
 */
public final class AloneLimit {

  /** Samples of each kind a decision takes at least. */
  static final int ROUND = 8;

  /** A round abandoned when one kind has this many samples and the other too few. */
  static final int STALE = 1024;

  private final boolean adaptive;
  private final int floor;
  private final int ceiling;
  private final LongSupplier ticker;
  private volatile int limit;
  // One round's samples, guarded by this.
  private long loneSum;
  private int loneCount;
  private long groupedSum;
  private int groupedCount;

  private AloneLimit(int initial, int floor, int ceiling, boolean adaptive, LongSupplier ticker) {
    if (floor < 1 || initial < floor || ceiling < initial) {
      throw new IllegalArgumentException(
          "an alone limit needs 1 <= floor <= initial <= ceiling, got "
              + floor
              + " <= "
              + initial
              + " <= "
              + ceiling);
    }
    this.limit = initial;
    this.floor = floor;
    this.ceiling = ceiling;
    this.adaptive = adaptive;
    this.ticker = ticker;
  }

  /**
   * A limit that never changes.
   *
   * @param aloneUpTo up to how many concurrent writers each commits alone, at least 1
   * @return the limit
   */
  public static AloneLimit fixed(int aloneUpTo) {
    return new AloneLimit(aloneUpTo, aloneUpTo, aloneUpTo, false, System::nanoTime);
  }

  /**
   * A limit that follows the measured latencies (see the class comment), timed by {@link
   * System#nanoTime()}.
   *
   * @param initial the limit until the first decision
   * @param floor the lowest it goes; more than the group commit's {@code maxLeaders}
   * @param ceiling the highest it goes
   * @return the limit
   */
  public static AloneLimit adaptive(int initial, int floor, int ceiling) {
    return adaptive(initial, floor, ceiling, System::nanoTime);
  }

  /**
   * A limit that follows the measured latencies, timed by the given ticker (tests drive it).
   *
   * @param initial the limit until the first decision
   * @param floor the lowest it goes; more than the group commit's {@code maxLeaders}
   * @param ceiling the highest it goes
   * @param ticker nanoseconds on a monotonic scale, as {@link System#nanoTime()}
   * @return the limit
   */
  public static AloneLimit adaptive(int initial, int floor, int ceiling, LongSupplier ticker) {
    return new AloneLimit(initial, floor, ceiling, true, ticker);
  }

  /**
   * Up to how many concurrent writers commit alone now.
   *
   * @return the limit
   */
  public int current() {
    return limit;
  }

  /** The lowest the limit goes (the fixed limit itself). */
  int floor() {
    return floor;
  }

  /** Whether it adapts (else nothing needs timing). */
  boolean adaptive() {
    return adaptive;
  }

  /** Now, on the ticker's scale. */
  long now() {
    return ticker.getAsLong();
  }

  /**
   * A lone commit took this long, from its call to its end.
   *
   * @param nanos its duration
   */
  void lone(long nanos) {
    if (!adaptive) {
      return;
    }
    synchronized (this) {
      loneSum += Math.max(0, nanos);
      loneCount++;
      decide();
    }
  }

  /**
   * A caller in a group waited this long, from its call to its group's end.
   *
   * @param nanos its wait
   */
  void grouped(long nanos) {
    if (!adaptive) {
      return;
    }
    synchronized (this) {
      groupedSum += Math.max(0, nanos);
      groupedCount++;
      decide();
    }
  }

  /** Ends a round once it holds enough of both kinds. Holds the monitor. */
  private void decide() {
    if (loneCount >= ROUND && groupedCount >= ROUND) {
      // Means compared without dividing: lone/loneCount vs grouped/groupedCount, cross-multiplied.
      double lone = (double) loneSum * groupedCount;
      double grouped = (double) groupedSum * loneCount;
      if (lone * 5 <= grouped * 4) {
        limit = Math.min(ceiling, limit + 1);
      } else if (lone * 4 >= grouped * 5) {
        limit = Math.max(floor, limit - 1);
      }
      restart();
    } else if (loneCount >= STALE || groupedCount >= STALE) {
      restart(); // only one kind is happening: what the other cost then is not known
    }
  }

  private void restart() {
    loneSum = 0;
    loneCount = 0;
    groupedSum = 0;
    groupedCount = 0;
  }

  @Override
  public String toString() {
    return adaptive
        ? "AloneLimit[adaptive " + floor + ".." + ceiling + ", now " + limit + "]"
        : "AloneLimit[fixed " + limit + "]";
  }
}
