package dev.harbor.state.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Fixtures of the kit: identities, record builders, the strings SPEC 4.1 rejects, UTF-8 orderings,
 * a rejection assertion and a runner that starts many threads at once (some of them interrupted).
 * Package-private: the kit's only public type is {@link StateStoreTck}.
 *
 * <p>Every kind the kit writes outside the prefix-matching scenarios starts with {@code 'k'}, so
 * {@code listKind(MAINTENANCE, "k")} is a snapshot of the whole store for "nothing changed" checks.
 */
final class Kit {

  /** How long any concurrent scenario may take before the kit calls it a hang. */
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** U+FF61, UTF-8 {@code EF BD A1}: sorts before {@link #EMOJI} in UTF-8, after it in UTF-16. */
  static final String STOP = "\uFF61";

  /** U+1F600, UTF-8 {@code F0 9F 98 80}, a surrogate pair in UTF-16. */
  static final String EMOJI = "\uD83D\uDE00";

  static final Identity ALICE = new Identity("tenant-a", "user-a", "session-a");
  static final Identity BOB = new Identity("tenant-b", "user-b", "session-b");

  private static final AtomicInteger THREADS = new AtomicInteger();

  private Kit() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static int utf8Length(String s) {
    return utf8(s).length;
  }

  /** A fresh record of version 0 with a new event id and no timestamp (the store stamps it). */
  static StateRecord record(Quadruple identity, String kind, String payload) {
    return StateRecord.of(EventId.newId(), identity, kind, utf8(payload));
  }

  /** A record for the same slot under a new event id: the next generation. */
  static StateRecord nextGeneration(StateRecord current, String payload) {
    return record(current.identity(), current.kind(), payload);
  }

  static SlotExpectation absent(StateRecord slotOf) {
    return SlotExpectation.absent(slotOf.identity(), slotOf.kind());
  }

  static SlotExpectation exact(StateRecord current) {
    return SlotExpectation.exact(current.identity(), current.kind(), current.id());
  }

  /**
   * Compares strings by their UTF-8 bytes, unsigned: the order every driver must list and scan in.
   */
  static int compareUtf8(String a, String b) {
    return Arrays.compareUnsigned(utf8(a), utf8(b));
  }

  /**
   * (tenant, user, session, run, kind) by UTF-8 bytes: the order of the bounded {@code listKind}.
   */
  static final Comparator<StateRecord> BY_SLOT =
      Comparator.comparing((StateRecord r) -> r.identity().tenantId(), Kit::compareUtf8)
          .thenComparing(r -> r.identity().userId(), Kit::compareUtf8)
          .thenComparing(r -> r.identity().sessionId(), Kit::compareUtf8)
          .thenComparing(r -> r.identity().runId(), Kit::compareUtf8)
          .thenComparing(StateRecord::kind, Kit::compareUtf8);

  /** (user, session, run, kind) by UTF-8 bytes: the order of a scan within one tenant. */
  static final Comparator<StateRecord> BY_SCAN_POSITION =
      Comparator.comparing((StateRecord r) -> r.identity().userId(), Kit::compareUtf8)
          .thenComparing(r -> r.identity().sessionId(), Kit::compareUtf8)
          .thenComparing(r -> r.identity().runId(), Kit::compareUtf8)
          .thenComparing(StateRecord::kind, Kit::compareUtf8);

  /**
   * The same tuple compared as Java strings (UTF-16), to prove a data set tells the two orders
   * apart.
   */
  static final Comparator<StateRecord> BY_SLOT_UTF16 =
      Comparator.comparing((StateRecord r) -> r.identity().tenantId())
          .thenComparing(r -> r.identity().userId())
          .thenComparing(r -> r.identity().sessionId())
          .thenComparing(r -> r.identity().runId())
          .thenComparing(StateRecord::kind);

  static <T> List<T> sorted(List<T> list, Comparator<? super T> order) {
    List<T> copy = new ArrayList<>(list);
    copy.sort(order);
    return copy;
  }

  /**
   * Strings of SPEC 4.1 that no slot string, event id or prefix may be; each starts with {@code
   * 'k'}.
   */
  static Map<String, String> badStrings() {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("U+0000", "k\u0000x");
    bad.put("lone high surrogate", "k\uD800x");
    bad.put("lone low surrogate", "k\uDC00x");
    bad.put("high surrogate at the end", "k\uD83D");
    bad.put("reversed surrogate pair", "k\uDE00\uD83D");
    bad.put("257 ASCII bytes", "k" + "a".repeat(256));
    bad.put("257 bytes of 2-byte characters (129 chars)", "k" + "\u00E9".repeat(128));
    bad.put("258 bytes of 'é' x 129", "\u00E9".repeat(129));
    bad.put("257 bytes with 4-byte characters", "k" + EMOJI.repeat(64));
    return bad;
  }

  /** One wrong position of a slot: the identity and kind to pass, and what is wrong with it. */
  record BadSlot(String label, Quadruple identity, String kind) {}

  /**
   * Every way of putting a bad string (or an empty kind) into one position of the slot ({@code q},
   * {@code kind}).
   */
  static List<BadSlot> badSlots(Quadruple q, String kind) {
    List<BadSlot> slots = new ArrayList<>();
    for (Map.Entry<String, String> e : badStrings().entrySet()) {
      String s = e.getValue();
      String why = e.getKey();
      slots.add(
          new BadSlot(
              "tenant: " + why, new Quadruple(s, q.userId(), q.sessionId(), q.runId()), kind));
      slots.add(
          new BadSlot(
              "user: " + why, new Quadruple(q.tenantId(), s, q.sessionId(), q.runId()), kind));
      slots.add(
          new BadSlot(
              "session: " + why, new Quadruple(q.tenantId(), q.userId(), s, q.runId()), kind));
      slots.add(
          new BadSlot(
              "run: " + why, new Quadruple(q.tenantId(), q.userId(), q.sessionId(), s), kind));
      slots.add(new BadSlot("kind: " + why, q, s));
    }
    slots.add(new BadSlot("kind: empty", q, ""));
    return slots;
  }

  /** Bad identities for {@code deleteScope}: a bad string in tenant, user or session. */
  static Map<String, Identity> badIdentities(Identity id) {
    Map<String, Identity> ids = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : badStrings().entrySet()) {
      String s = e.getValue();
      ids.put("tenant: " + e.getKey(), new Identity(s, id.userId(), id.sessionId()));
      ids.put("user: " + e.getKey(), new Identity(id.tenantId(), s, id.sessionId()));
      ids.put("session: " + e.getKey(), new Identity(id.tenantId(), id.userId(), s));
    }
    return ids;
  }

  /** Bad event ids (or prefixes): every bad string and the empty string. */
  static Map<String, String> badKeys() {
    Map<String, String> keys = new LinkedHashMap<>(badStrings());
    keys.put("empty", "");
    return keys;
  }

  /** All empty, and each of tenant, user, session empty. */
  static Map<String, Identity> incompleteIdentities() {
    Map<String, Identity> ids = new LinkedHashMap<>();
    ids.put("all empty", new Identity("", "", ""));
    ids.put("tenant empty", new Identity("", "user-x", "session-x"));
    ids.put("user empty", new Identity("tenant-x", "", "session-x"));
    ids.put("session empty", new Identity("tenant-x", "user-x", ""));
    return ids;
  }

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
   * store. SPEC 4.13: each interrupted task must throw {@code OperationCancelledException} and keep
   * the flag set; every other task must succeed. Fails with every task that did otherwise.
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
   * (SPEC 3.9: it stays set), keeping what the call threw as the cause.
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

  /**
   * {@code call} throws {@code type}; a failure names {@code label}, also when nothing was thrown.
   */
  static void assertRejected(String label, Class<? extends Throwable> type, ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    if (thrown == null) {
      fail("%s: expected %s but the call returned normally", label, type.getSimpleName());
    }
    assertThat(thrown).as(label).isInstanceOf(type);
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
