package dev.harbor.state.tck;

import static dev.harbor.state.tck.Kit.BY_SLOT;
import static dev.harbor.state.tck.Kit.assertRejected;
import static dev.harbor.state.tck.Kit.sorted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DynamicTest;

/**
 * What the scenarios of every capability share: the store under test of the running scenario, the
 * kit's clock, the checks that read the store back, and the runner of rejection tables. Each
 * capability is an abstract subclass in a file of its own; {@link StateStoreTck} binds it to the
 * driver's {@code newStore()} and {@code dispose(...)} with a {@code @Nested} class that passes the
 * kit to this constructor.
 *
 * <p>A {@code @TestFactory} gets one store for all its dynamic tests (JUnit runs {@code BeforeEach}
 * and {@code AfterEach} around the factory, not around each dynamic test); a table therefore checks
 * after each row that the row changed nothing, so rows cannot see each other.
 */
abstract class Scenarios {

  static final ListScope MAINTENANCE = ListScope.MAINTENANCE;

  private final StateStoreTck kit;
  private final AtomicInteger fencedRuns = new AtomicInteger();

  /**
   * Binds the scenarios to the running kit.
   *
   * @param kit the enclosing {@link StateStoreTck}, which opens and disposes of the stores
   */
  Scenarios(StateStoreTck kit) {
    this.kit = Objects.requireNonNull(kit, "kit");
  }

  /** The kit, for the scenarios that open and dispose of stores of their own. */
  final StateStoreTck kit() {
    return kit;
  }

  /** The store under test of the running scenario. */
  final StateStore store() {
    return kit.store();
  }

  /** Sets the clock the store stamps records with. */
  final void setClock(Instant instant) {
    kit.clock.set(instant);
  }

  /**
   * What the store must return for {@code saved}: updatedAt truncated to micros, or the clock's
   * instant if null.
   */
  final StateRecord stored(StateRecord saved) {
    Instant at = saved.updatedAt() == null ? kit.clock().instant() : saved.updatedAt();
    return saved.withUpdatedAt(at.truncatedTo(ChronoUnit.MICROS));
  }

  /** Saves and returns what the store must return from now on. */
  final StateRecord save(StateRecord record) {
    store().save(record);
    return stored(record);
  }

  /**
   * Every record the kit can see: all kit kinds start with 'k' (or 'é' for one bad-string case).
   */
  final List<StateRecord> snapshot() {
    List<StateRecord> all = new ArrayList<>(store().listKind(MAINTENANCE, "k"));
    all.addAll(store().listKind(MAINTENANCE, "\u00E9"));
    return sorted(all, BY_SLOT);
  }

  /** The store holds {@code expected} at its slot and under its event id. */
  final void assertHolds(StateRecord expected) {
    assertThat(store().find(expected.identity(), expected.kind()))
        .as("find %s %s", expected.identity(), expected.kind())
        .contains(expected);
    assertThat(store().findByEventId(expected.id()))
        .as("findByEventId %s", expected.id())
        .contains(expected);
  }

  final void assertAbsent(Quadruple identity, String kind) {
    assertThat(store().find(identity, kind)).as("find %s %s", identity, kind).isEmpty();
  }

  final void assertUnknown(EventId id) {
    assertThat(store().findByEventId(id)).as("findByEventId %s", id).isEmpty();
  }

  /**
   * The store does not know the event id: findByEventId is empty and loadByEventId throws {@code
   * RecordNotFoundException}.
   */
  final void assertForgotten(EventId id) {
    assertUnknown(id);
    assertRejected(
        "loadByEventId of " + id, RecordNotFoundException.class, () -> store().loadByEventId(id));
  }

  /** The slot of {@code r} is empty and its event id is forgotten. */
  final void assertGone(StateRecord r) {
    assertAbsent(r.identity(), r.kind());
    assertUnknown(r.id());
  }

  /** A forgotten event id may be used again, even for another slot and content. */
  final void assertIdReusable(EventId forgotten) {
    assertHolds(save(StateRecord.of(forgotten, Kit.BOB.run("r"), "k.reused", Kit.utf8("again"))));
  }

  /** An action for {@code fenceIf} that counts its runs; every rejection table requires none. */
  final Runnable fencedAction() {
    return fencedRuns::incrementAndGet;
  }

  /** One row of a rejection table: the rule it states, as the display name, and the call. */
  record Case(String rule, ThrowingCallable call) {}

  /**
   * The rows of a table over methods: for each method, "<i>name</i> rejects <i>what</i>" for every
   * bad input the method is given, in the order of the methods and of their inputs.
   *
   * @param <M> the table's kind of method
   * @param <X> the kind of bad input
   * @param methods the methods
   * @param badInputs each method's bad inputs, by what makes each bad
   * @param call the call of a method with one bad input
   */
  static <M extends StoreMethods.Method, X> Stream<Case> eachMethodRejects(
      List<M> methods,
      Function<M, Map<String, X>> badInputs,
      BiFunction<M, X, ThrowingCallable> call) {
    return methods.stream()
        .flatMap(
            m ->
                badInputs.apply(m).entrySet().stream()
                    .map(bad -> rejects(m.name(), bad.getKey(), call.apply(m, bad.getValue()))));
  }

  /** The row "{@code method} rejects {@code what}". */
  static Case rejects(String method, String what, ThrowingCallable call) {
    return new Case(method + " rejects " + what, call);
  }

  /**
   * One dynamic test per case: the call throws {@code type}, the store holds what it held just
   * before the call, and no fenced action ran.
   */
  final Stream<DynamicTest> eachRejected(Class<? extends Throwable> type, Stream<Case> cases) {
    return cases.map(
        c ->
            dynamicTest(
                c.rule(),
                () -> {
                  List<StateRecord> before = snapshot();
                  assertRejected(c.rule(), type, c.call());
                  assertThat(snapshot()).as("%s: store content after", c.rule()).isEqualTo(before);
                  assertThat(fencedRuns).as("%s: fenced action runs", c.rule()).hasValue(0);
                }));
  }

  /**
   * One dynamic test per case for a closed store, whose content can no longer be read: the call
   * throws {@code type} and no fenced action ran.
   */
  final Stream<DynamicTest> eachRejectedByClosedStore(
      Class<? extends Throwable> type, Stream<Case> cases) {
    return cases.map(
        c ->
            dynamicTest(
                c.rule(),
                () -> {
                  assertRejected(c.rule(), type, c.call());
                  assertThat(fencedRuns).as("%s: fenced action runs", c.rule()).hasValue(0);
                }));
  }

  /**
   * {@code call}, made with this thread's interrupt flag set; it fails if the call cleared the flag
   * (CONTRACT.md 3.9: the flag stays set), and clears the flag after, so that the kit goes on
   * normally.
   */
  static ThrowingCallable onInterruptedThread(ThrowingCallable call) {
    return () -> {
      Thread.currentThread().interrupt();
      Throwable failure = null;
      try {
        call.call();
      } catch (Throwable t) {
        failure = t;
      }
      if (!Thread.interrupted()) {
        throw new AssertionError("the call cleared the caller's interrupt flag", failure);
      }
      if (failure != null) {
        throw failure;
      }
    };
  }

  /**
   * Pages through a scan from the start and returns every row. Every page holds at most {@code
   * limit} rows, a page with a continuation holds exactly {@code limit}, and a continuation is at
   * most {@code maxContinuation} characters long.
   *
   * @param what names the scan in a failure
   * @param page the page after a continuation ({@code ""} for the first)
   */
  static List<StateRecord> pageThrough(
      String what, int limit, int maxContinuation, Function<String, ScanPage> page) {
    List<StateRecord> rows = new ArrayList<>();
    String continuation = "";
    for (int pages = 0; ; pages++) {
      if (pages > 10_000) {
        fail("%s with limit %d does not end", what, limit);
      }
      ScanPage p = page.apply(continuation);
      assertThat(p.records())
          .as("page %d of limit %d", pages, limit)
          .hasSizeLessThanOrEqualTo(limit);
      if (!p.isLast()) {
        assertThat(p.records())
            .as("a page with a continuation is full (page %d, limit %d)", pages, limit)
            .hasSize(limit);
        assertThat(p.continuation().length()).isLessThanOrEqualTo(maxContinuation);
      }
      rows.addAll(p.records());
      if (p.isLast()) {
        return rows;
      }
      continuation = p.continuation();
    }
  }
}
