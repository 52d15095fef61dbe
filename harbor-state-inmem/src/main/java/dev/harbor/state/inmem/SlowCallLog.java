package dev.harbor.state.inmem;

import dev.harbor.state.spi.StoreCall;
import dev.harbor.state.spi.StoreListener;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns of calls slower than the {@code slowOperation} option (the in-memory store never has an
 * unknown commit outcome, so that is all it warns of). Never logs a payload.
 */
final class SlowCallLog implements StoreListener {

  private static final Logger LOG = LoggerFactory.getLogger(InMemoryStateStoreProvider.class);

  private final long slowNanos;

  SlowCallLog(Duration slowOperation) {
    this.slowNanos = slowOperation.isZero() ? Long.MAX_VALUE : slowOperation.toNanos();
  }

  @Override
  public void called(StoreCall call) {
    long nanos = call.duration().toNanos();
    if (nanos > slowNanos) {
      LOG.warn(
          "slow call: {} on {} took {} ms ({}; slowOperation is {} ms)",
          call.operation(),
          call.where(),
          nanos / 1_000_000,
          call.outcome().tag(),
          slowNanos / 1_000_000);
    }
  }
}
