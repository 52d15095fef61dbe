package dev.harbor.state.cli;

import java.io.PrintStream;

/**
 * A one-line progress display on stderr for long work: a count, a rate and the elapsed time,
 * redrawn at most five times a second. It is silent unless stderr is a terminal, so scripts and
 * pipes never see it.
 */
final class Progress implements AutoCloseable {

  private static final long REDRAW_NANOS = 200_000_000L;

  private final PrintStream err;
  private final boolean enabled;
  private final String label;
  private final String unit;
  private final long start = System.nanoTime();
  private long lastDraw;
  private long count;
  private boolean drawn;

  Progress(Io io, String label, String unit) {
    this.err = io.err();
    this.enabled = io.terminal();
    this.label = label;
    this.unit = unit;
  }

  /** Adds to the count and redraws if due. */
  void add(long n) {
    count += n;
    if (!enabled) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw >= REDRAW_NANOS) {
      lastDraw = now;
      draw();
    }
  }

  long count() {
    return count;
  }

  private void draw() {
    double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
    err.printf("\r%s: %,d %s  %,.0f/s  %.1fs   ", label, count, unit, count / seconds, seconds);
    err.flush();
    drawn = true;
  }

  /** Draws the final state and ends the line. */
  @Override
  public void close() {
    if (enabled) {
      draw();
      if (drawn) {
        err.println();
      }
    }
  }
}
