package dev.harbor.state.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Observes a store's calls: the one hook through which metrics and logging attach, once for all
 * drivers. The {@link StoreCore} calls {@link #called} once per {@link dev.harbor.state.StateStore}
 * call, after the call ended, on the caller's thread; drivers report what only they see (the size
 * of each group commit) through the other methods.
 *
 * <p>Attach a listener when opening by location with {@link
 * dev.harbor.state.StateStores#open(dev.harbor.state.StateConfig, StoreListener)}, or to any open
 * store with {@link StoreCore#addListener}. Implementations must be thread-safe and quick: they run
 * inside every call. An exception a listener throws never changes the call's result; it is reported
 * through {@link System.Logger} and otherwise ignored.
 */
public interface StoreListener {

  /**
   * One call has ended.
   *
   * @param call the driver, the method, the outcome and the duration; never a payload
   */
  void called(StoreCall call);

  /**
   * A driver that batches concurrent writes into one database transaction committed a batch. The
   * default does nothing; drivers without group commit never call it.
   *
   * @param driver the driver's name
   * @param writes how many callers' writes the one commit carried, at least 1
   */
  default void groupCommitted(String driver, int writes) {}

  /**
   * A listener that warns of calls slower than a threshold: the {@code slowOperation} option of
   * every driver, written once here so that each driver only names its logger. The warning names
   * the operation, where the data lives, the duration and the outcome; never a payload.
   *
   * @param slowOperation calls that took longer are slow; zero turns the warning off
   * @param warning receives one line per slow call (a driver passes its logger's {@code warn})
   * @return the listener
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code slowOperation} is negative
   */
  static StoreListener slowCalls(Duration slowOperation, Consumer<String> warning) {
    Objects.requireNonNull(warning, "warning");
    if (Objects.requireNonNull(slowOperation, "slowOperation").isNegative()) {
      throw new IllegalArgumentException("slowOperation must not be negative: " + slowOperation);
    }
    long slowNanos = slowOperation.isZero() ? Long.MAX_VALUE : slowOperation.toNanos();
    return call -> {
      long nanos = call.duration().toNanos();
      if (nanos > slowNanos) {
        warning.accept(
            "slow call: "
                + call.operation()
                + " on "
                + call.where()
                + " took "
                + nanos / 1_000_000
                + " ms ("
                + call.outcome().tag()
                + "; slowOperation is "
                + slowNanos / 1_000_000
                + " ms)");
      }
    };
  }
}
