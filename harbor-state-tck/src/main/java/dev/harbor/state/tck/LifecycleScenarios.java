package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.ALICE;
import static dev.harbor.state.tck.Kit.absent;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.exact;
import static dev.harbor.state.tck.Kit.nextGeneration;
import static dev.harbor.state.tck.Kit.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.harbor.state.Identity;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.tck.Race.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * close, interruption, heavy concurrent use and leaks (CONTRACT.md 4.12, 4.13): every method (all
 * 21, including driverName) after close is a {@code StoreClosedException}; close twice is fine;
 * every method on an interrupted thread is an {@code OperationCancelledException}, the interrupt
 * flag stays set and nothing changes (one dynamic test per method each); 128 threads × 16 mixed
 * operations on one store finish with zero errors; after close (and dispose) no thread the store
 * started is still alive.
 */
abstract class LifecycleScenarios extends Scenarios {

  LifecycleScenarios(StateStoreTck kit) {
    super(kit);
  }

  /**
   * A test that the table {@code calls} holds every method of StateStore but {@code leftOut}.
   * Counted from the interface, so a method added to StateStore cannot be forgotten in the table.
   */
  private static DynamicTest holdsEveryMethodBut(Map<String, ?> calls, String... leftOut) {
    return dynamicTest(
        "the table holds every method of StateStore but " + String.join(" and ", leftOut),
        () ->
            assertThat(calls)
                .as("methods in the table")
                .hasSize(StateStore.class.getDeclaredMethods().length - leftOut.length));
  }

  /** The rows "{@code method} {@code rule}" of the table {@code calls}, each made {@code how}. */
  private static Stream<Case> rows(
      Map<String, ThrowingCallable> calls, String rule, UnaryOperator<ThrowingCallable> how) {
    return calls.entrySet().stream()
        .map(e -> new Case(e.getKey() + " " + rule, how.apply(e.getValue())));
  }

  @TestFactory
  Stream<DynamicTest> everyMethodAfterClose_throwsStoreClosed() {
    StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
    Map<String, ThrowingCallable> calls = StoreMethods.everyCall(store(), live, fencedAction());
    StateStore store = store();
    calls.put("driverName", store::driverName);
    store.close();
    return Stream.concat(
        Stream.of(holdsEveryMethodBut(calls, "close")),
        eachRejectedByClosedStore(
            StoreClosedException.class,
            rows(calls, "after close throws StoreClosedException", call -> call)));
  }

  @Test
  void close_twice_isFine() {
    save(record(ALICE.run("r"), "k.live", "live"));
    store().close();
    assertThatCode(() -> store().close()).doesNotThrowAnyException();
    assertRejected(
        "save after two closes",
        StoreClosedException.class,
        () -> store().save(record(ALICE.run("r"), "k.x", "x")));
  }

  @TestFactory
  Stream<DynamicTest> interruptedCaller_getsOperationCancelled_andNothingChanges() {
    StateRecord live = save(record(ALICE.run("r"), "k.live", "live"));
    Map<String, ThrowingCallable> calls = StoreMethods.everyCall(store(), live, fencedAction());
    return Stream.concat(
        Stream.of(holdsEveryMethodBut(calls, "close", "driverName")),
        eachRejected(
            OperationCancelledException.class,
            rows(
                calls,
                "on an interrupted thread throws OperationCancelledException and keeps the flag",
                Scenarios::onInterruptedThread)));
  }

  @Test
  void concurrency_128ThreadsTimes16MixedOperations_zeroErrors() {
    List<Outcome<Integer>> outcomes = Race.runTogether(128, i -> () -> mixedOperations(i));
    Race.requireAllSucceeded("128 threads x 16 operations", outcomes);
    assertThat(outcomes).allSatisfy(o -> assertThat(o.value()).isEqualTo(16));
    assertThat(store().listKind(MAINTENANCE, "k.mix")).isEmpty();
  }

  /**
   * Sixteen operations on one thread's own identity; every result is checked. Returns the count.
   */
  private int mixedOperations(int thread) {
    StateStore store = store();
    Identity id = new Identity("mix-t" + (thread % 8), "mix-u" + thread, "mix-s");
    Quadruple q = id.run("r");
    int ops = 0;
    StateRecord a = record(q, "k.mix.a", "a");
    store.save(a);
    ops++;
    check(store.load(q, "k.mix.a").sameContent(a), "load after save");
    ops++;
    check(store.find(q, "k.mix.a").isPresent(), "find after save");
    ops++;
    StateRecord b = nextGeneration(a, "b");
    store.saveIf(List.of(exact(a)), b);
    ops++;
    check(store.findByEventId(b.id()).isPresent(), "findByEventId of the new generation");
    ops++;
    check(store.listKindForIdentity(q, "k.mix").size() == 1, "listKindForIdentity sees one record");
    ops++;
    check(
        store.listKind(MAINTENANCE, "k.mix", 10).size() <= 10,
        "bounded listKind respects the limit");
    ops++;
    ScanPage page = store.scanKindForTenant(MAINTENANCE, id.tenantId(), "k.mix", 16, "");
    check(
        page.records().stream().allMatch(r -> r.identity().tenantId().equals(id.tenantId())),
        "scan sees only its tenant");
    ops++;
    check(!store.deleteIf(exact(a)), "deleteIf of a stale generation");
    ops++;
    check(store.deleteIf(exact(b)), "deleteIf of the live generation");
    ops++;
    StateRecord c = record(q, "k.mix.c", "c");
    StateRecord d = record(id.sessionScoped(), "k.mix.d", "d");
    store.saveAll(List.of(c, d));
    ops++;
    StateRecord e = record(q, "k.mix.e", "e");
    StateRecord c2 = nextGeneration(c, "c2");
    store.saveBatchIf(List.of(absent(e), exact(c)), List.of(e, c2));
    ops++;
    store.delete(id.sessionScoped(), "k.mix.d");
    ops++;
    List<StateRecord> listed = store.listKindForIdentity(q, "k.mix", 10);
    check(
        listed.size() == 2 && listed.get(0).sameContent(c2) && listed.get(1).sameContent(e),
        "bounded listKindForIdentity after saveBatchIf");
    ops++;
    check(store.deleteScope(id) == 2, "deleteScope count");
    ops++;
    check(store.find(q, "k.mix.c").isEmpty(), "find after deleteScope");
    ops++;
    return ops;
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      throw new AssertionError(what + " on thread " + Thread.currentThread().getName());
    }
  }

  @Test
  void close_leavesNoThreadBehind() throws Exception {
    // Warm-up with the kit's store: JVM-wide driver threads started once (a JDBC cleaner, say)
    // exist from now on.
    exerciseFromSeveralThreads(store());
    StateStore warm = kit().detachStore();
    try {
      warm.close();
    } finally {
      kit().dispose(warm);
    }

    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    StateStore second = Objects.requireNonNull(kit().newStore(), "newStore() returned null");
    try {
      exerciseFromSeveralThreads(second);
    } finally {
      try {
        second.close();
      } finally {
        kit().dispose(second);
      }
    }

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<Thread> leaked;
    do {
      leaked =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> !before.contains(t) && t.isAlive())
              // The common pool belongs to the JVM, not to the store; its idle workers retire on
              // their own.
              .filter(t -> !t.getName().startsWith("ForkJoinPool.commonPool-worker"))
              .collect(Collectors.toList());
      if (!leaked.isEmpty()) {
        Thread.sleep(50);
      }
    } while (!leaked.isEmpty() && System.nanoTime() < deadline);
    assertThat(
            leaked.stream()
                .map(t -> t.getName() + (t.isDaemon() ? " (daemon)" : ""))
                .collect(Collectors.toList()))
        .as("threads started while the store was open and still alive 10 s after close")
        .isEmpty();
  }

  private static void exerciseFromSeveralThreads(StateStore s) {
    ExecutorService pool = Executors.newFixedThreadPool(8, Race.threadFactory("harbor-tck-leak"));
    try {
      List<Future<Object>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Quadruple q = new Identity("leak-t", "u" + i, "s").run("r");
        futures.add(
            pool.submit(
                () -> {
                  StateRecord r = record(q, "k.leak", "v");
                  s.save(r);
                  s.load(q, "k.leak");
                  s.saveIf(List.of(exact(r)), nextGeneration(r, "v2"));
                  s.listKind(MAINTENANCE, "k.leak", 10);
                  s.scanKindForTenant(MAINTENANCE, "leak-t", "k", 10, "");
                  s.deleteScope(q.identity());
                  return null;
                }));
      }
      long deadline = System.nanoTime() + Race.TIMEOUT.toNanos();
      for (Future<Object> f : futures) {
        Outcome<Object> o = Race.await(f, deadline);
        if (o.error() != null) {
          throw new AssertionError("using the store from several threads failed", o.error());
        }
      }
    } finally {
      Race.shutdown(pool);
    }
  }
}
