package dev.harbor.state.sql;

import dev.harbor.state.spi.StoreCall;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreListener;
import dev.harbor.state.spi.StoreOutcome;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;

/**
 * The SQL drivers' per-call warnings, attached to each store as a {@link StoreListener}: a commit
 * whose outcome is unknown, and (through {@link StoreListener#slowCalls}) a call slower than the
 * {@code slowOperation} option. A line names the driver, the operation, where the data lives and
 * the duration; never a payload, and never a credential (the store's description carries none).
 */
public final class CallLog implements StoreListener {

  private final Logger log;

  private CallLog(Logger log) {
    this.log = log;
  }

  /**
   * Attaches the warnings to a store's context.
   *
   * @param context the store's context
   * @param log the driver's logger
   * @param slowOperation the threshold above which a call is slow; zero turns the warning off
   * @throws NullPointerException if an argument is null
   */
  public static void attach(StoreContext context, Logger log, Duration slowOperation) {
    Objects.requireNonNull(log, "log");
    StoreListener slowCalls = StoreListener.slowCalls(slowOperation, log::warn);
    context.addListener(new CallLog(log));
    context.addListener(slowCalls);
  }

  @Override
  public void called(StoreCall call) {
    if (call.outcome() == StoreOutcome.OUTCOME_UNKNOWN && call.failure() != null) {
      // The message names the slot or event id and the connection's failure; never a payload.
      log.warn(
          "{} on {}: the commit's outcome is unknown: {}",
          call.operation(),
          call.where(),
          call.failure().getMessage());
    }
  }
}
