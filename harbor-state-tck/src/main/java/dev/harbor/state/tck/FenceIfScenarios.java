package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.tck.Race.Outcome;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * fenceIf, run an action while holding a slot's generation (CONTRACT.md 4.7): the exact generation
 * runs the action once; a stale or absent slot is a {@code ConditionFailedException} without
 * running it; an action that closes the store completes normally, having run once; the action's
 * {@code RuntimeException} and {@code Error} propagate as the same instance, nothing changes and
 * the fence is released; a saveIf, a saveBatchIf and a deleteIf started during the fence are still
 * pending after 25 ms and succeed after release (three scenarios); an absent expectation, an empty
 * kind and an incomplete identity are rejected without running it. (A null expectation or action:
 * {@link NullArgumentsScenarios}.)
 */
abstract class FenceIfScenarios extends Scenarios {

  private StateRecord current;

  FenceIfScenarios(StateStoreTck kit) {
    super(kit);
  }

  @BeforeEach
  void seed() {
    current = save(record(ALICE.run("r"), "k.fence", "gen-1"));
  }

  @Test
  void fenceIf_exactGeneration_runsActionOnce() {
    AtomicInteger runs = new AtomicInteger();
    store().fenceIf(exact(current), runs::incrementAndGet);
    assertThat(runs).hasValue(1);
    assertHolds(current);
  }

  @Test
  void fenceIf_staleGeneration_throwsConditionFailedWithoutRunning() {
    StateRecord next = save(nextGeneration(current, "gen-2"));
    AtomicInteger runs = new AtomicInteger();
    assertRejected(
        "stale generation",
        ConditionFailedException.class,
        () -> store().fenceIf(exact(current), runs::incrementAndGet));
    assertThat(runs).hasValue(0);
    assertHolds(next);
  }

  @Test
  void fenceIf_absentSlot_throwsConditionFailedWithoutRunning() {
    AtomicInteger runs = new AtomicInteger();
    assertRejected(
        "absent slot",
        ConditionFailedException.class,
        () ->
            store()
                .fenceIf(
                    SlotExpectation.exact(ALICE.run("r"), "k.none", EventId.newId()),
                    runs::incrementAndGet));
    store().delete(current.identity(), current.kind());
    assertRejected(
        "deleted slot",
        ConditionFailedException.class,
        () -> store().fenceIf(exact(current), runs::incrementAndGet));
    assertThat(runs).hasValue(0);
    assertThat(snapshot()).isEmpty();
  }

  @Test
  void fenceIf_actionThatClosesTheStore_completesNormallyHavingRunOnce() {
    AtomicInteger runs = new AtomicInteger();
    Throwable thrown =
        catchThrowable(
            () ->
                store()
                    .fenceIf(
                        exact(current),
                        () -> {
                          runs.incrementAndGet();
                          store().close();
                        }));
    // The action ran: a failure here would tell the caller nothing was done and invite a second
    // run (CONTRACT.md 4.7, 4.13).
    assertThat(thrown).as("fenceIf whose action closed the store").isNull();
    assertThat(runs).hasValue(1);
    assertRejected(
        "a call after the action closed the store",
        StoreClosedException.class,
        () -> store().find(current.identity(), current.kind()));
  }

  @Test
  void fenceIf_actionRuntimeException_propagatesSameInstanceAndChangesNothing() {
    assertPropagatesAndReleases(new IllegalStateException("from the fenced action"));
  }

  @Test
  void fenceIf_actionError_propagatesSameInstanceAndChangesNothing() {
    assertPropagatesAndReleases(new FenceActionError());
  }

  /**
   * An action that throws {@code thrown} makes fenceIf throw that very instance; nothing changes
   * and a saveIf of the slot afterwards succeeds, so the fence was released.
   */
  private void assertPropagatesAndReleases(Throwable thrown) {
    assertThatThrownBy(
            () ->
                store()
                    .fenceIf(
                        exact(current),
                        () -> {
                          if (thrown instanceof Error e) {
                            throw e;
                          }
                          throw (RuntimeException) thrown;
                        }))
        .isSameAs(thrown);
    assertThat(snapshot()).containsExactly(current);

    StateRecord next = nextGeneration(current, "after the fence");
    ExecutorService pool =
        Executors.newSingleThreadExecutor(Race.threadFactory("harbor-tck-fence"));
    try {
      Future<?> f = pool.submit(() -> store().saveIf(List.of(exact(current)), next));
      Outcome<?> outcome = Race.await(f, System.nanoTime() + Race.TIMEOUT.toNanos());
      assertThat(outcome.error()).as("saveIf after the failed fence").isNull();
    } finally {
      Race.shutdown(pool);
    }
    assertHolds(stored(next));
  }

  @Test
  void fenceIf_saveIfDuringFence_isPendingAfter25msAndSucceedsAfterRelease() {
    StateRecord next = nextGeneration(current, "gen-2");
    assertPendingDuringFence(
        () -> {
          store().saveIf(List.of(exact(current)), next);
          return null;
        });
    assertHolds(stored(next));
  }

  @Test
  void fenceIf_saveBatchIfDuringFence_isPendingAfter25msAndSucceedsAfterRelease() {
    StateRecord next = nextGeneration(current, "gen-2");
    StateRecord other = record(ALICE.run("r"), "k.fence.other", "other");
    assertPendingDuringFence(
        () -> {
          store().saveBatchIf(List.of(exact(current), absent(other)), List.of(next, other));
          return null;
        });
    assertHolds(stored(next));
    assertHolds(stored(other));
  }

  @Test
  void fenceIf_deleteIfDuringFence_isPendingAfter25msAndSucceedsAfterRelease() {
    Object deleted = assertPendingDuringFence(() -> store().deleteIf(exact(current)));
    assertThat(deleted).isEqualTo(true);
    assertThat(snapshot()).isEmpty();
  }

  /**
   * Starts {@code call} on another thread inside a fence; it must still be pending after 25 ms,
   * then succeed.
   */
  private Object assertPendingDuringFence(Callable<Object> call) {
    ExecutorService pool =
        Executors.newSingleThreadExecutor(Race.threadFactory("harbor-tck-fence"));
    try {
      AtomicReference<Future<Object>> started = new AtomicReference<>();
      AtomicBoolean pendingAfter25ms = new AtomicBoolean();
      AtomicInteger runs = new AtomicInteger();
      store()
          .fenceIf(
              exact(current),
              () -> {
                runs.incrementAndGet();
                CountDownLatch calling = new CountDownLatch(1);
                started.set(
                    pool.submit(
                        () -> {
                          calling.countDown();
                          return call.call();
                        }));
                try {
                  if (!calling.await(Race.TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new AssertionError("the competing call did not start");
                  }
                  Thread.sleep(25);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  throw new AssertionError("interrupted inside the fence", e);
                }
                pendingAfter25ms.set(!started.get().isDone());
              });
      assertThat(runs).hasValue(1);
      assertThat(pendingAfter25ms)
          .as("the competing call is still pending 25 ms into the fence")
          .isTrue();
      Outcome<Object> outcome =
          Race.await(started.get(), System.nanoTime() + Race.TIMEOUT.toNanos());
      if (outcome.error() != null) {
        throw new AssertionError(
            "the competing call failed after the fence was released", outcome.error());
      }
      return outcome.value();
    } finally {
      Race.shutdown(pool);
    }
  }

  @Test
  void fenceIf_invalidExpectations_rejectedWithoutRunning() {
    AtomicInteger runs = new AtomicInteger();
    assertRejected(
        "absent expectation",
        InvalidRecordException.class,
        () -> store().fenceIf(absent(current), runs::incrementAndGet));
    assertRejected(
        "empty kind",
        InvalidRecordException.class,
        () ->
            store()
                .fenceIf(
                    SlotExpectation.exact(current.identity(), "", current.id()),
                    runs::incrementAndGet));
    assertRejected(
        "incomplete identity",
        IdentityRequiredException.class,
        () ->
            store()
                .fenceIf(
                    SlotExpectation.exact(
                        new Quadruple("", "u", "s", ""), current.kind(), current.id()),
                    runs::incrementAndGet));
    assertThat(runs).hasValue(0);
    assertThat(snapshot()).containsExactly(current);
  }

  /** An error of the kit's own, so the identity check of the propagated instance is meaningful. */
  private static final class FenceActionError extends Error {
    FenceActionError() {
      super("from the fenced action");
    }
  }
}
