package dev.harbor.state.tck;

import dev.harbor.state.StateStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * The conformance kit. A driver's test is a small subclass:
 *
 * <pre>{@code
 * class MyDriverTckTest extends StateStoreTck {
 *   protected StateStore newStore() {
 *     return StateStores.open(StateConfig.builder().driver("mydriver").clock(clock()).build());
 *   }
 * }
 * }</pre>
 *
 * <p>{@link #newStore()} must return a fresh, empty store built with {@link #clock()}: the kit sets that clock to
 * check that a {@code null} {@code updatedAt} is stamped from the store's clock.
 *
 * <p>SCENARIO LIST: filled in below.
 */
public abstract class StateStoreTck {

  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-02T03:04:05.123456789Z"), ZoneOffset.UTC);

  /**
   * A fresh, empty store for one test, built with {@link #clock()}.
   *
   * @return an open store; the kit closes it after the test
   */
  protected abstract StateStore newStore();

  /**
   * Called after each test, after the store was closed: remove files or schemas here.
   *
   * @param store the closed store
   */
  protected void dispose(StateStore store) {}

  /**
   * The clock stores under test must stamp records with. The kit moves it; drivers only pass it on.
   *
   * @return the kit's clock
   */
  protected final Clock clock() {
    return clock;
  }
}
