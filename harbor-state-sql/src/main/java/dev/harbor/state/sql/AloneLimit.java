package dev.harbor.state.sql;

import java.util.function.LongSupplier;

/**
 * Up to how many concurrent writers each commits alone (as nobody's leader) before callers queue
 * for the {@code maxLeaders} groups of a {@link GroupCommit}: fixed, or adapted to the commit
 * latencies the group commit measures.
 *
 * <p>The adaptive rule asks whether the backend has room for more lone commits, the way TCP Vegas
 * asks it of a network path: a commit that waits behind others at the backend takes longer than the
 * same commit unhindered. Over a round of at least {@link #ROUND} lone commits it takes their mean
 * time {@code t}, the lowest such mean seen ({@code base}, what a commit costs unhindered; it
 * creeps up towards newer means so that a backend that got slower for good is learnt), and the mean
 * number {@code k} of commits in flight during the round (lone ones and groups: their summed
 * durations over the round's span). Then {@code k × (1 − base / t)} estimates how many of them were
 * waiting at the backend rather than being served. More than {@link #CROWDED}: one fewer writer
 * commits alone, so more share a group's statement and flush. Fewer than {@link #ROOMY}, and some
 * caller was turned away from committing alone during the round: one more may. In between nothing
 * moves, so the limit does not flap on noise. It stays between a floor above {@code maxLeaders} (so
 * that lone commits keep being measured) and a ceiling.
 *
 * <p>Why it adapts at all: the writer count where grouping starts to pay is a property of the
 * machine (measured at 8 on a 2-core machine with PostgreSQL on it; PERFORMANCE.md, "Group
 * commit"). A server with more cores serves more lone commits before they queue; a slower disk
 * makes every commit slower but, measured against its own unhindered time, not more crowded.
 */
public final class AloneLimit {

  /** Lone commits a round takes at least. */
  static final int ROUND = 8;

  /** Commits waiting at the backend beyond which fewer commit alone. */
  static final double CROWDED = 3.0;

  /** Commits waiting at the backend below which more may commit alone. */
  static final double ROOMY = 1.0;

  /** How far the unhindered time moves towards a slower round's mean, per round: 1/64. */
  static final int CREEP = 64;

  private final boolean adaptive;
  private final int floor;
  private final int ceiling;
  private final LongSupplier ticker;
  private volatile int limit;
  private volatile boolean turnedAway; // a caller was refused a lone commit in this round
  // One round's measures and the unhindered time, guarded by this.
  private long loneSum;
  private int loneCount;
  private long busySum; // lone and group commit durations within the round
  private boolean roundOpen;
  private long roundStart;
  private long roundEnd;
  private double base = Double.NaN;

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
   * A limit that follows the measured commit latencies (see the class comment), timed by {@link
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
   * A limit that follows the measured commit latencies, timed by the given ticker (tests drive it).
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

  /** A caller found more writers than the limit and queued instead of committing alone. */
  void turnedAway() {
    if (adaptive && !turnedAway) {
      turnedAway = true;
    }
  }

  /**
   * A lone commit ran from {@code start} to {@code end} (ticker readings).
   *
   * @param start when its call began
   * @param end when its commit ended
   */
  void lone(long start, long end) {
    if (!adaptive) {
      return;
    }
    synchronized (this) {
      long took = Math.max(0, end - start);
      loneSum += took;
      loneCount++;
      busy(start, end, took);
      if (loneCount >= ROUND) {
        decide();
      }
    }
  }

  /**
   * A group's commit ran from {@code start} to {@code end}: it counts among the commits in flight.
   *
   * @param start when its leader handed it to the committer
   * @param end when the commit ended
   */
  void group(long start, long end) {
    if (!adaptive) {
      return;
    }
    synchronized (this) {
      busy(start, end, Math.max(0, end - start));
    }
  }

  /** Adds a commit to the round's busy time and span. Holds the monitor. */
  private void busy(long start, long end, long took) {
    if (!roundOpen) {
      roundOpen = true;
      roundStart = start;
      roundEnd = end;
    } else {
      roundStart = Math.min(roundStart, start);
      roundEnd = Math.max(roundEnd, end);
    }
    busySum += took;
  }

  /** Ends a round: moves the limit by at most one, then starts the next. Holds the monitor. */
  private void decide() {
    double t = (double) loneSum / loneCount;
    if (Double.isNaN(base) || t < base) {
      base = t;
    } else {
      base += (t - base) / CREEP;
    }
    long span = roundEnd - roundStart;
    double inFlight = span > 0 ? (double) busySum / span : 1.0;
    double waiting = t > 0 ? inFlight * (1 - base / t) : 0;
    if (waiting > CROWDED) {
      limit = Math.max(floor, limit - 1);
    } else if (waiting < ROOMY && turnedAway) {
      limit = Math.min(ceiling, limit + 1);
    }
    loneSum = 0;
    loneCount = 0;
    busySum = 0;
    roundOpen = false;
    turnedAway = false;
  }

  /**
   * The unhindered commit time learnt so far (for tests).
   *
   * @return nanoseconds; NaN before the first round
   */
  synchronized double base() {
    return base;
  }

  @Override
  public String toString() {
    return adaptive
        ? "AloneLimit[adaptive " + floor + ".." + ceiling + ", now " + limit + "]"
        : "AloneLimit[fixed " + limit + "]";
  }
}
