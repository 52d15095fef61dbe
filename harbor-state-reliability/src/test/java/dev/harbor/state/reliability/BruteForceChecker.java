package dev.harbor.state.reliability;

import dev.harbor.state.StateRecord;
import dev.harbor.state.reliability.History.Op;
import dev.harbor.state.reliability.History.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * The definition of linearizability executed literally, as an oracle for {@link
 * LinearizabilityChecker} on tiny histories: try every order of the operations that respects real
 * time (an operation that completed before another was invoked comes first), with each
 * indeterminate operation placed anywhere after the operations that precede it or left out, and run
 * it on the model. No memoization, no partitioning, no list tricks: exponential, and obviously
 * right.
 */
final class BruteForceChecker {

  private BruteForceChecker() {}

  /**
   * Whether some order explains the history.
   *
   * @param history a history of at most about 9 operations, from an empty store
   * @return {@code true} if it is linearizable
   */
  static boolean linearizable(History history) {
    return search(new ArrayList<>(history.ops()), List.of());
  }

  private static boolean search(List<Op> pending, List<StateRecord> state) {
    if (pending.stream().allMatch(Op::indeterminate)) {
      return true; // whatever is left never took effect
    }
    for (Op op : List.copyOf(pending)) {
      if (!minimal(op, pending)) {
        continue;
      }
      // FenceIf appends to its side log; a private one keeps the recorded log untouched.
      History.Call call =
          op.call() instanceof History.FenceIf f
              ? new History.FenceIf(f.expectation(), new ArrayList<>())
              : op.call();
      ModelStore model = ModelStore.of(state);
      Outcome outcome = Outcome.of(call, model.store());
      if (op.indeterminate() || outcome.equals(op.outcome())) {
        pending.remove(op);
        boolean found = search(pending, model.state());
        pending.add(op);
        if (found) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether no pending determinate operation must come before {@code op}: none completed before it
   * was invoked. Indeterminate operations never complete, so they constrain nothing.
   */
  private static boolean minimal(Op op, List<Op> pending) {
    return pending.stream()
        .noneMatch(p -> !p.indeterminate() && p.completedNanos() < op.invokedNanos());
  }
}
