package dev.harbor.state.cli;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.time.Clock;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * What {@code purge}, {@code erase-user} and {@code erase-tenant} share: the step size and the
 * repeat-until-0 loop of CONTRACT.md 8, with progress on a terminal.
 */
abstract class RetentionCommand extends StoreCommand {

  /**
   * The default records per step on SQLite: the largest step measured to keep concurrent saves' p99
   * within three times their p99 without the purge (docs/PERFORMANCE.md, Retention). SQLite has one
   * writer, so every save waits for a whole step.
   */
  static final int SQLITE_STEP = 50;

  /**
   * The default records per step elsewhere: on PostgreSQL a step's locks hold back only the
   * sessions it deletes from, and this size met both retention targets (docs/PERFORMANCE.md).
   */
  static final int DEFAULT_STEP = 1000;

  /** The clock the cutoff is computed from; the store the command opens stamps with it too. */
  Clock clock = Clock.systemUTC();

  @Option(
      names = "--step",
      paramLabel = "N",
      description =
          "Records deleted per atomic step, 1..10000 (default: "
              + SQLITE_STEP
              + " on SQLite, "
              + DEFAULT_STEP
              + " elsewhere); smaller steps keep concurrent saves waiting less.")
  @Nullable Integer step;

  /** The step size in effect: {@code --step}, else the driver's default. */
  int step() {
    if (step != null) {
      return step;
    }
    return "sqlite".equals(StateConfig.parse(location()).driver()) ? SQLITE_STEP : DEFAULT_STEP;
  }

  /** Opens the store in effect with {@link #clock}, so the cutoff is the store clock's now. */
  @Override
  StateStore openInner() {
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
