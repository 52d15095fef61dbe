package dev.harbor.state.testing;

import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateStore;
import java.util.concurrent.CountDownLatch;

/**
 * A {@code fenceIf} held open on its own thread until released: the tool for steering a store's
 * writes to wait exactly where a test wants them (behind SQLite's write lock, or behind a slot's
 * lock on PostgreSQL). {@link #close()} lets it go without checking, for a test's clean-up.
 */
public final class HeldFence implements AutoCloseable {

  private final CountDownLatch running = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final BackgroundCall call;

  private HeldFence(StateStore store, SlotExpectation expectation) {
    call =
        BackgroundCall.start(
            () ->
                store.fenceIf(
                    expectation,
                    () -> {
                      running.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                      }
                    }));
  }

  /**
   * Starts a fence; its action may not be running yet (see {@link #holding()}).
   *
   * @param store the store
   * @param expectation the slot and the event id it must hold
   * @return the fence
   */
  public static HeldFence start(StateStore store, SlotExpectation expectation) {
    return new HeldFence(store, expectation);
  }

  /**
   * Waits until the fence's action runs, so the fence holds.
   *
   * @return this fence
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public HeldFence holding() throws InterruptedException {
    running.await();
    return this;
  }

  /**
   * Ends the fence and waits for it.
   *
   * @throws InterruptedException if the waiting thread is interrupted
   * @throws AssertionError if the fence failed
   */
  public void release() throws InterruptedException {
    release.countDown();
    call.join();
    if (call.failure() != null) {
      throw new AssertionError("the fence failed", call.failure());
    }
  }

  /** Lets the fence end, without waiting: a failed test must not leave a fence holding. */
  @Override
  public void close() {
    release.countDown();
  }
}
