package dev.harbor.state.reliability;

import dev.harbor.state.StateRecord;
import dev.harbor.state.reliability.History.Call;
import dev.harbor.state.reliability.History.FenceIf;
import dev.harbor.state.reliability.History.Op;
import dev.harbor.state.reliability.History.Outcome;
import dev.harbor.state.reliability.History.Save;
import dev.harbor.state.reliability.History.SaveAll;
import dev.harbor.state.reliability.History.SaveBatchIf;
import dev.harbor.state.reliability.History.SaveIf;
import dev.harbor.state.reliability.History.Threw;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides whether a {@link History} is linearizable with respect to the sequential model ({@link
 * ModelStore}): whether every operation can be given one instant between its invocation and its
 * completion such that running the operations in that order on the model gives every recorded
 * outcome.
 *
 * <p>The search is Wing and Gong's, with Lowe's memoization, as Porcupine's {@code checkSingle}
 * implements it: the call and return entries of the operations sit in one doubly linked list in
 * time order; the search walks it, linearizes a call whose model step gives the recorded outcome
 * (lifting its entries out of the list), and backtracks when it meets a return whose call it has
 * not linearized. A set of (linearized operations, model state) pairs already explored prunes the
 * search: two paths reaching the same pair have the same future.
 *
 * <p>Indeterminate operations ({@link History.Unknown}) get no return entry: they may be linearized
 * at any point after their invocation or never, and any model outcome is accepted for them (as
 * Knossos treats {@code :info} operations). The search succeeds once every determinate operation is
 * linearized. Indeterminate reads say nothing and are dropped before the search, and so are calls
 * the store failed saying they changed nothing ({@link History.Failed}).
 *
 * <p>Calls of different tenants touch disjoint slots and event ids, so the history is split by
 * tenant and each part is checked on its own (P-compositionality): the history is linearizable iff
 * every part is. Each part has a budget of steps and time; exhausting it gives {@link
 * Verdict#UNDECIDED}, which never counts as a pass.
 */
final class LinearizabilityChecker {

  /** The budget used by {@link #LinearizabilityChecker()}, per partition. */
  static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(10);

  /** The step budget used by {@link #LinearizabilityChecker()}, per partition. */
  static final long DEFAULT_MAX_STEPS = 2_000_000;

  /** What the checker concluded. */
  enum Verdict {
    /** Some order explains every outcome. */
    LINEARIZABLE,
    /** No order explains every outcome. */
    VIOLATION,
    /** The budget ran out before the search ended: neither a pass nor a failure. */
    UNDECIDED
  }

  /**
   * The verdict on one tenant's operations.
   *
   * @param tenant the tenant
   * @param verdict the verdict
   * @param ops the operations checked (indeterminate reads dropped), in invocation order
   * @param longestPrefix for a violation, the longest sequence of operations the search managed to
   *     linearize, in linearization order: the anomaly is just past its end; for a pass, a complete
   *     linearization (with the indeterminate operations that took effect); for an undecided
   *     partition, the longest found before the budget ran out
   * @param indeterminateOps operations of {@code ops} whose outcome is unknown
   * @param droppedReads indeterminate reads left out of {@code ops}
   * @param steps search steps taken
   * @param elapsed time the search took
   * @param reason why the partition is undecided; empty otherwise
   */
  record PartitionResult(
      String tenant,
      Verdict verdict,
      List<Op> ops,
      List<Op> longestPrefix,
      int indeterminateOps,
      int droppedReads,
      long steps,
      Duration elapsed,
      String reason) {

    PartitionResult {
      ops = List.copyOf(ops);
      longestPrefix = List.copyOf(longestPrefix);
    }

    /** The checked operations as a history of their own, e.g. for {@link HistoryShrinker}. */
    History history() {
      return new History(ops);
    }
  }

  /**
   * The verdict on a history.
   *
   * @param verdict {@link Verdict#VIOLATION} if any partition is one, else {@link
   *     Verdict#UNDECIDED} if any partition is one, else {@link Verdict#LINEARIZABLE}
   * @param partitions the verdict per tenant, by tenant
   * @param ops operations in the history
   * @param indeterminateOps operations whose outcome is unknown (including dropped reads)
   * @param steps search steps over all partitions
   * @param elapsed time the whole check took
   */
  record Result(
      Verdict verdict,
      List<PartitionResult> partitions,
      int ops,
      int indeterminateOps,
      long steps,
      Duration elapsed) {

    Result {
      partitions = List.copyOf(partitions);
    }

    /** The first violating partition, if any. */
    Optional<PartitionResult> violation() {
      return partitions.stream().filter(p -> p.verdict() == Verdict.VIOLATION).findFirst();
    }

    /** One line for logs and assertion messages. */
    String summary() {
      long undecided = partitions.stream().filter(p -> p.verdict() == Verdict.UNDECIDED).count();
      return String.format(
          "%s: %d ops (%d indeterminate) in %d partitions (%d undecided), %,d steps, %d ms",
          verdict, ops, indeterminateOps, partitions.size(), undecided, steps, elapsed.toMillis());
    }
  }

  private final Duration timeLimit;
  private final long maxSteps;

  /** A checker with the default budget per partition. */
  LinearizabilityChecker() {
    this(DEFAULT_TIME_LIMIT, DEFAULT_MAX_STEPS);
  }

  /**
   * A checker with this budget per partition.
   *
   * @param timeLimit the longest one partition's search may run
   * @param maxSteps the most search steps (model steps and backtracks) one partition may take
   */
  LinearizabilityChecker(Duration timeLimit, long maxSteps) {
    this.timeLimit = Objects.requireNonNull(timeLimit, "timeLimit");
    if (maxSteps <= 0) {
      throw new IllegalArgumentException("maxSteps must be positive: " + maxSteps);
    }
    this.maxSteps = maxSteps;
  }

  /**
   * Checks a history that started from an empty store.
   *
   * @param history the history
   * @return the verdict
   * @throws IllegalArgumentException if a written record has no {@code updatedAt} (the model would
   *     stamp it from the wall clock, so no two model states would ever be equal)
   */
  Result check(History history) {
    return check(history, List.of());
  }

  /**
   * Checks a history that started from the given live records.
   *
   * @param history the history
   * @param initialState the store's records when the history began
   * @return the verdict
   * @throws IllegalArgumentException if a written record has no {@code updatedAt}
   */
  Result check(History history, List<StateRecord> initialState) {
    long start = System.nanoTime();
    Map<String, List<Op>> byTenant = new TreeMap<>();
    for (Op op : history.ops()) {
      requireStamped(op);
      byTenant.computeIfAbsent(op.call().tenant(), t -> new ArrayList<>()).add(op);
    }
    List<PartitionResult> parts = new ArrayList<>();
    for (Map.Entry<String, List<Op>> e : byTenant.entrySet()) {
      List<StateRecord> initial =
          ModelStore.of(
                  initialState.stream()
                      .filter(r -> r.identity().tenantId().equals(e.getKey()))
                      .toList())
              .state();
      parts.add(checkPartition(e.getKey(), e.getValue(), initial));
    }
    Verdict verdict = Verdict.LINEARIZABLE;
    if (parts.stream().anyMatch(p -> p.verdict() == Verdict.VIOLATION)) {
      verdict = Verdict.VIOLATION;
    } else if (parts.stream().anyMatch(p -> p.verdict() == Verdict.UNDECIDED)) {
      verdict = Verdict.UNDECIDED;
    }
    int indeterminate = (int) history.ops().stream().filter(Op::indeterminate).count();
    long steps = parts.stream().mapToLong(PartitionResult::steps).sum();
    return new Result(
        verdict,
        parts,
        history.ops().size(),
        indeterminate,
        steps,
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** One operation's place in the time-ordered list; dancing links, as in Porcupine. */
  private static final class Entry {
    final int op; // index into the partition's operations; -1 for the head
    final boolean call;
    final long time;
    Entry match; // a call's return (null if indeterminate), a return's call
    Entry prev;
    Entry next;

    Entry(int op, boolean call, long time) {
      this.op = op;
      this.call = call;
      this.time = time;
    }
  }

  /** A linearized call and the model state before it, to backtrack to. */
  private record Frame(Entry entry, List<StateRecord> stateBefore) {}

  /** A memoized search position. The bit set is a private copy: the search mutates its own. */
  private record Seen(BitSet linearized, List<StateRecord> state) {}

  private PartitionResult checkPartition(String tenant, List<Op> all, List<StateRecord> initial) {
    long start = System.nanoTime();
    long deadline = start + timeLimit.toNanos();
    List<Op> ops =
        all.stream()
            .filter(o -> !(o.indeterminate() && o.call().readOnly()) && !o.failed())
            .sorted(History.BY_INVOCATION.thenComparingInt(Op::id))
            .toList();
    int dropped = all.size() - ops.size();
    int indeterminate = (int) ops.stream().filter(Op::indeterminate).count();
    Call[] modelCalls = ops.stream().map(o -> forModel(o.call())).toArray(Call[]::new);

    Entry head = entries(ops);
    int remaining = ops.size() - indeterminate; // determinate operations not yet linearized
    Deque<Frame> stack = new ArrayDeque<>();
    List<Op> longest = List.of();
    Set<Seen> seen = new HashSet<>();
    BitSet linearized = new BitSet(ops.size());
    List<StateRecord> state = initial;
    Entry entry = head.next;
    long steps = 0;
    Verdict verdict = null;
    String reason = "";

    while (remaining > 0) {
      steps++;
      if (steps > maxSteps) {
        verdict = Verdict.UNDECIDED;
        reason = "step budget of " + maxSteps + " exhausted";
        break;
      }
      if ((steps & 255) == 0 && System.nanoTime() - deadline > 0) {
        verdict = Verdict.UNDECIDED;
        reason = "time budget of " + timeLimit.toMillis() + " ms exhausted";
        break;
      }
      if (entry != null && entry.call) {
        Op op = ops.get(entry.op);
        List<StateRecord> next = step(op, modelCalls[entry.op], state);
        // An indeterminate operation that changes nothing here is the same as one that never took
        // effect, which the search covers anyway by not linearizing it.
        boolean useful = next != null && !(op.indeterminate() && next.equals(state));
        if (useful) {
          BitSet key = (BitSet) linearized.clone();
          key.set(entry.op);
          if (seen.add(new Seen(key, next))) {
            stack.push(new Frame(entry, state));
            state = next;
            linearized.set(entry.op);
            lift(entry);
            if (!op.indeterminate()) {
              remaining--;
            }
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        // A return whose call is not linearized (or, defensively, the end of the list): the last
        // choice was wrong. With nothing left to undo, no order explains the history.
        if (stack.size() > longest.size()) {
          // The stack only peaks right before a backtrack: copying it here, not on every push,
          // keeps the search linear in the common, nearly sequential case.
          longest = linearization(stack, ops);
        }
        if (stack.isEmpty()) {
          verdict = Verdict.VIOLATION;
          break;
        }
        Frame top = stack.pop();
        entry = top.entry();
        state = top.stateBefore();
        linearized.clear(entry.op);
        if (!ops.get(entry.op).indeterminate()) {
          remaining++;
        }
        unlift(entry);
        entry = entry.next;
      }
    }
    if (verdict == null) {
      verdict = Verdict.LINEARIZABLE;
      longest = linearization(stack, ops);
    } else if (stack.size() > longest.size()) {
      longest = linearization(stack, ops); // out of budget mid-climb
    }
    return new PartitionResult(
        tenant,
        verdict,
        ops,
        longest,
        indeterminate,
        dropped,
        steps,
        Duration.ofNanos(System.nanoTime() - start),
        reason);
  }

  /**
   * The time-ordered entry list behind a head sentinel. At equal times calls come before returns:
   * the operations then count as concurrent, which admits more orders (a false violation is worse
   * than a missed one here, since a violation fails the build).
   */
  private static Entry entries(List<Op> ops) {
    List<Entry> list = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      Entry call = new Entry(i, true, op.invokedNanos());
      list.add(call);
      if (!op.indeterminate()) {
        Entry ret = new Entry(i, false, op.completedNanos());
        call.match = ret;
        ret.match = call;
        list.add(ret);
      }
    }
    list.sort(
        Comparator.comparingLong((Entry e) -> e.time)
            .thenComparing(e -> !e.call)
            .thenComparingInt(e -> e.op));
    Entry head = new Entry(-1, true, Long.MIN_VALUE);
    Entry prev = head;
    for (Entry e : list) {
      prev.next = e;
      e.prev = prev;
      prev = e;
    }
    return head;
  }

  /** Takes a linearized call, and its return if it has one, out of the list. */
  private static void lift(Entry call) {
    unlink(call);
    if (call.match != null) {
      unlink(call.match);
    }
  }

  /** Puts back what {@link #lift} took out, in reverse order, so the neighbours are right again. */
  private static void unlift(Entry call) {
    if (call.match != null) {
      relink(call.match);
    }
    relink(call);
  }

  private static void unlink(Entry e) {
    e.prev.next = e.next;
    if (e.next != null) {
      e.next.prev = e.prev;
    }
  }

  private static void relink(Entry e) {
    e.prev.next = e;
    if (e.next != null) {
      e.next.prev = e;
    }
  }

  /**
   * Runs one operation on the model in the given state.
   *
   * @return the state after it, or {@code null} if the model's outcome contradicts the recorded one
   */
  private static List<StateRecord> step(Op op, Call call, List<StateRecord> state) {
    ModelStore model = ModelStore.of(state);
    Outcome outcome = Outcome.of(call, model.store());
    if (!op.indeterminate() && !op.outcome().equals(outcome)) {
      return null;
    }
    // A read or a contract failure changes nothing: skip re-sorting the state.
    return call.readOnly() || outcome instanceof Threw ? state : model.state();
  }

  /**
   * The call to run on the model. A fence's action appends to the recorder's side log; the model
   * runs it thousands of times, so it gets a log of its own (the checker does not read it).
   */
  private static Call forModel(Call call) {
    return call instanceof FenceIf f ? new FenceIf(f.expectation(), new ArrayList<>()) : call;
  }

  private static List<Op> linearization(Deque<Frame> stack, List<Op> ops) {
    List<Op> out = new ArrayList<>(stack.size());
    stack.descendingIterator().forEachRemaining(f -> out.add(ops.get(f.entry().op)));
    return out;
  }

  /**
   * Rejects a written record without {@code updatedAt}: the model would stamp it from the wall
   * clock, so its states would never repeat and recorded reads could never match.
   */
  private static void requireStamped(Op op) {
    Call c = op.call();
    List<StateRecord> written = List.of();
    if (c instanceof Save s) {
      written = Arrays.asList(s.record());
    } else if (c instanceof SaveAll s) {
      written = s.records();
    } else if (c instanceof SaveIf s) {
      written = Arrays.asList(s.next());
    } else if (c instanceof SaveBatchIf s) {
      written = s.writes();
    }
    for (StateRecord r : written) {
      if (r != null && r.updatedAt() == null) {
        throw new IllegalArgumentException(
            "record "
                + r.id()
                + " of op #"
                + op.id()
                + " has no updatedAt; the recorder must set it");
      }
    }
  }
}
