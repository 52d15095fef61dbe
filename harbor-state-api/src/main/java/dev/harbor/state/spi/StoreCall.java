package dev.harbor.state.spi;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One finished call on a store, as {@link StoreListener#called} receives it. Never carries a
 * payload: only the call's name, how it ended and how long it took.
 *
 * @param driver the driver's name, such as {@code "postgres"}
 * @param where where the store's data lives, for messages (never a credential)
 * @param operation the {@link dev.harbor.state.StateStore} method's name, such as {@code "saveIf"}
 * @param outcome how the call ended
 * @param duration how long the call took, measured with {@link System#nanoTime()} (a monotonic
 *     clock, not the store's wall clock)
 * @param failure what the call threw, or {@code null} if it returned
 */
public record StoreCall(
    String driver,
    String where,
    String operation,
    StoreOutcome outcome,
    Duration duration,
    @Nullable Throwable failure) {

  /**
   * Checks the references.
   *
   * @param driver the driver's name
   * @param where where the store's data lives
   * @param operation the method's name
   * @param outcome how the call ended
   * @param duration how long it took
   * @param failure what it threw, or {@code null}
   * @throws NullPointerException if an argument other than {@code failure} is null
   */
  public StoreCall {
    Objects.requireNonNull(driver, "driver");
    Objects.requireNonNull(where, "where");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(duration, "duration");
  }
}
