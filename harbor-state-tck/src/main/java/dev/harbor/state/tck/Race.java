package dev.harbor.state.tck;

import dev.harbor.state.OperationCancelledException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;

/**
 * The kit's concurrency helpers: a runner that starts many threads at once (some of them
 * interrupted), waiting with a deadline so a hung store fails instead of hanging the build, and the
 * checks of what the threads returned.
 */
final class Race {

  /** How long any concurrent scenario may take before the kit calls it a hang. */
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static final AtomicInteger THREADS = new AtomicInteger();

  private Race() {}

  /** The outcome of one concurrent call: its value or what it threw. */
  record Outcome<T>(T value, Throwable error) {
    boolean succeeded() {
      return error == null;
    }
  }

  /**
   * Runs {@code threads} tasks on as many threads, released together by a barrier, and waits for
   * all of them. A task that does not finish within {@link #TIMEOUT} fails the scenario as a hang.
   * The threads are stopped before return.
   */
  static <T> List<Outcome<T>> runTogether(int threads, IntFunction<Callable<T>> task) {
    return runTogether(threads, i -> false, task);
  }

  /**
   * Runs {@code threads} tasks as {@link #runTogether(int, IntFunction)} does, every {@code
   * every}-th of them (task 0, {@code every}, 2 {@code every}, ...) on an interrupted thread: its
   * worker sets its own interrupt flag after the start barrier, just before the task calls the
   * store. CONTRACT.md 4.13: each interrupted task must throw {@code OperationCancelledException}
   * and keep the flag set; every other task must succeed. Fails with every task that did otherwise.
   *
   * @return the values of the tasks that ran uninterrupted, by task index
   */
  static <T> Map<Integer, T> runTogetherInterruptingEvery(
      String scenario, int every, int threads, IntFunction<Callable<T>> task) {
    List<Outcome<T>> outcomes = runTogether(threads, i -> i % every == 0, task);
    Map<Integer, T> values = new TreeMap<>();
    List<Throwable> unexpected = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Outcome<T> o = outcomes.get(i);
      if (i % every != 0) {
        if (o.succeeded()) {
          values.put(i, o.value());
        } else {
          unexpected.add(new AssertionError("task " + i + " threw " + o.error(), o.error()));
        }
      } else if (o.succeeded()) {
        unexpected.add(
            new AssertionError(
                "task " + i + " ran on an interrupted thread and returned normally: " + o.value()));
      } else if (!(o.error() instanceof OperationCancelledException)) {
        unexpected.add(
            new AssertionError(
                "task " + i + " (on an interrupted thread): " + o.error(), o.error()));
      }
    }
    failOn(scenario, unexpected);
    return values;
  }

  private static <T> List<Outcome<T>> runTogether(
      int threads, IntPredicate interrupted, IntFunction<Callable<T>> task) {
    ExecutorService pool = Executors.newFixedThreadPool(threads, threadFactory("harbor-tck-race"));
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<T>> futures = new ArrayList<>(threads);
      for (int i = 0; i < threads; i++) {
        Callable<T> call = task.apply(i);
        boolean interrupt = interrupted.test(i);
        futures.add(
            pool.submit(
                () -> {
                  start.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                  try {
                    return interrupt ? callInterrupted(call) : call.call();
                  } finally {
                    // Whatever the task did to its thread, the worker leaves no interrupt behind.
                    Thread.interrupted();
                  }
                }));
      }
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      List<Outcome<T>> outcomes = new ArrayList<>(threads);
      for (Future<T> f : futures) {
        outcomes.add(await(f, deadline));
      }
      return outcomes;
    } finally {
      shutdown(pool);
    }
  }

  /**
   * Calls {@code call} with this thread's interrupt flag set; fails if the call cleared the flag
   * (CONTRACT.md 3.9: it stays set), keeping what the call threw as the cause.
   */
  private static <T> T callInterrupted(Callable<T> call) throws Exception {
    Thread.currentThread().interrupt();
    T value;
    try {
      value = call.call();
    } catch (Exception | Error e) {
      requireInterruptFlag(e);
      throw e;
    }
    requireInterruptFlag(null);
    return value;
  }

  private static void requireInterruptFlag(Throwable outcome) {
    if (!Thread.currentThread().isInterrupted()) {
      throw new AssertionError(
          "the store cleared the interrupted caller's interrupt flag"
              + (outcome == null ? " and returned normally" : " and threw " + outcome),
          outcome);
    }
  }

  /** The outcome of a future, failing as a hang after the deadline ({@link System#nanoTime()}). */
  static <T> Outcome<T> await(Future<T> future, long deadlineNanos) {
    try {
      return new Outcome<>(
          future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS), null);
    } catch (ExecutionException e) {
      return new Outcome<>(null, e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError(
          "a call did not finish within " + TIMEOUT.toSeconds() + " s: the store hangs", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("the kit was interrupted while waiting", e);
    }
  }

  /** Daemon threads with recognisable names, so a hung store never keeps the test JVM alive. */
  static ThreadFactory threadFactory(String name) {
    return r -> {
      Thread t = new Thread(r, name + "-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Stops the kit's own executor and waits for its threads, so they never look like a store's leak.
   */
  static void shutdown(ExecutorService pool) {
    pool.shutdownNow();
    try {
      if (!pool.awaitTermination(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        throw new AssertionError(
            "the kit's worker threads did not stop within " + TIMEOUT.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("the kit was interrupted while stopping its threads", e);
    }
  }

  /** Fails with everything any of the {@code outcomes} threw. */
  static void requireAllSucceeded(String scenario, List<? extends Outcome<?>> outcomes) {
    requireOnly(scenario, null, outcomes);
  }

  /**
   * Fails with everything the {@code outcomes} threw that is not an {@code allowed} (none is when
   * {@code allowed} is {@code null}).
   */
  static void requireOnly(
      String scenario, Class<? extends Throwable> allowed, List<? extends Outcome<?>> outcomes) {
    failOn(
        scenario,
        outcomes.stream()
            .map(Outcome::error)
            .filter(Objects::nonNull)
            .filter(e -> allowed == null || !allowed.isInstance(e))
            .collect(Collectors.toList()));
  }

  /** The values of the outcomes that did not throw, in task order. */
  static <T> List<T> values(List<Outcome<T>> outcomes) {
    return outcomes.stream()
        .filter(Outcome::succeeded)
        .map(Outcome::value)
        .collect(Collectors.toList());
  }

  /** Fails with every unexpected throwable of a concurrent scenario, the first one as the cause. */
  static void failOn(String scenario, List<Throwable> unexpected) {
    if (unexpected.isEmpty()) {
      return;
    }
    StringBuilder sb =
        new StringBuilder(scenario)
            .append(": ")
            .append(unexpected.size())
            .append(" unexpected failure(s):");
    unexpected.stream().limit(20).forEach(t -> sb.append("\n  ").append(t));
    AssertionError error = new AssertionError(sb.toString(), unexpected.get(0));
    unexpected.stream().skip(1).limit(5).forEach(error::addSuppressed);
    throw error;
  }
}
