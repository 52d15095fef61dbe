package dev.harbor.state.spring.boot;

import dev.harbor.state.Quadruple;
import dev.harbor.state.StateStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Up when the store answers a cheap read within the probe's own timeout: one primary-key lookup of
 * a slot no application uses. Down, with the exception, when the store is closed or its backend
 * fails; down, saying so, when no answer came in time.
 *
 * <p>The read runs on one thread of the indicator's own, so a database that accepts and never
 * answers holds the probe for {@code timeout}, not for the store's {@code operationTimeout}. At
 * most one read is in flight: while an unanswered one is pending, later checks wait for that same
 * read rather than pile up threads or connections behind it.
 */
final class HarborStateHealthIndicator implements HealthIndicator, AutoCloseable {

  /** A slot of its own: the read never touches, or waits behind, an application's slot lock. */
  static final Quadruple PROBE = new Quadruple("harbor-state", "health", "probe", "");

  private final StateStore store;
  private final Duration timeout;
  private final ExecutorService prober =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "harbor-state-health");
            t.setDaemon(true);
            return t;
          });
  private @Nullable CompletableFuture<String> inFlight;

  HarborStateHealthIndicator(StateStore store, Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "harbor.state.health.timeout must be positive, not " + timeout);
    }
    this.store = store;
    this.timeout = timeout;
  }

  @Override
  public Health health() {
    CompletableFuture<String> probe;
    try {
      probe = probe();
    } catch (RejectedExecutionException e) {
      return Health.down().withDetail("error", "the health indicator is closed").build();
    }
    try {
      String driver = probe.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return Health.up().withDetail("driver", driver).build();
    } catch (TimeoutException e) {
      return Health.down()
          .withDetail("error", "no answer from the store within " + timeout.toMillis() + " ms")
          .build();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      return Health.down(cause instanceof Exception failure ? failure : e).build();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Health.unknown().withDetail("error", "interrupted").build();
    }
  }

  /** The pending read, or a new one once the last has finished. */
  private synchronized CompletableFuture<String> probe() {
    CompletableFuture<String> pending = inFlight;
    if (pending != null && !pending.isDone()) {
      return pending;
    }
    CompletableFuture<String> started =
        CompletableFuture.supplyAsync(
            () -> {
              store.find(PROBE, "health");
              return store.driverName();
            },
            prober);
    inFlight = started;
    return started;
  }

  /** Stops the probe's thread; Spring calls it when the context closes. */
  @Override
  public void close() {
    prober.shutdownNow();
  }
}
