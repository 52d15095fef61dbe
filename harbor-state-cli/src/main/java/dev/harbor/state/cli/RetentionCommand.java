package dev.harbor.state.cli;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.time.Clock;
import java.util.function.IntSupplier;
import picocli.CommandLine.Option;

/**
 * What {@code purge}, {@code erase-user} and {@code erase-tenant} share: the step size and the
 * repeat-until-0 loop of CONTRACT.md 4.12, with progress on a terminal.
 */
abstract class RetentionCommand extends StoreCommand {

  /**
   * The default records per step: on SQLite the largest step that kept concurrent saves' p99 within
   * three times their p99 without the purge (docs/PERFORMANCE.md, Retention); PostgreSQL bounds its
   * steps to 1,000 records itself.
   */
  static final int DEFAULT_STEP = 1000;

  /** The clock the cutoff is computed from; the store the command opens stamps with it too. */
  Clock clock = Clock.systemUTC();

  @Option(
      names = "--step",
      paramLabel = "N",
      defaultValue = "" + DEFAULT_STEP,
      description =
          "Records deleted per atomic step, 1..10000 (default: "
              + DEFAULT_STEP
              + "); smaller steps hold the store's write lock for less time.")
  int step;

  /** Opens the store in effect with {@link #clock}, so the cutoff is the store clock's now. */
  @Override
  StateStore open() {
    return StateStores.open(StateConfig.parse(location()).withClock(clock));
  }

  /**
   * Runs a step until it returns 0, counting what it deleted, with progress on a terminal.
   *
   * @param label names the work on the progress line
   * @param oneStep one call of the store's method
   * @return the records deleted
   */
  long untilZero(String label, IntSupplier oneStep) {
    try (Progress progress = new Progress(io(), label, "records")) {
      for (int n; (n = oneStep.getAsInt()) > 0; ) {
        progress.add(n);
      }
      return progress.count();
    }
  }
}
