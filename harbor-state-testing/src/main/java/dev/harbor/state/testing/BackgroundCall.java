package dev.harbor.state.testing;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A store call run on a thread of its own, for tests that steer concurrent calls into a chosen
 * order: it records what the call threw and whether its thread ended interrupted, and never lets an
 * exception escape the thread.
 */
public final class BackgroundCall extends Thread {

  private final Runnable body;
  private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
  private volatile boolean endedInterrupted;

  /**
   * A call not yet started; a daemon, so a test that fails while it hangs does not keep the JVM.
   *
   * @param body the call
   */
  public BackgroundCall(Runnable body) {
    this.body = body;
    setDaemon(true);
  }

  /**
   * Starts a call.
   *
   * @param body the call
   * @return the started call
   */
  public static BackgroundCall start(Runnable body) {
    BackgroundCall call = new BackgroundCall(body);
    call.start();
    return call;
  }

  @Override
  public void run() {
    try {
      body.run();
    } catch (RuntimeException e) {
      failure.set(e);
    }
    endedInterrupted = Thread.currentThread().isInterrupted();
  }

  /**
   * What the call threw.
   *
   * @return the exception, or null if it returned (or has not ended)
   */
  public @Nullable Throwable failure() {
    return failure.get();
  }

  /**
   * Whether the call's thread was interrupted when the call ended.
   *
   * @return the interrupt flag as the call left it
   */
  public boolean endedInterrupted() {
    return endedInterrupted;
  }

  /**
   * Waits until a condition holds, polling every millisecond; the test's own timeout bounds it.
   *
   * @param condition what to wait for
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
    while (!condition.getAsBoolean()) {
      Thread.sleep(1);
    }
  }

  /**
   * Waits for every call to end.
   *
   * @param calls the calls
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public static void joinAll(List<BackgroundCall> calls) throws InterruptedException {
    for (BackgroundCall c : calls) {
      c.join();
    }
  }
}
