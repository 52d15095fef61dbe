package dev.harbor.state.reliability;

import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;

/**
 * A store outlives its faults (CONTRACT.md 6): after a single failed system call, only the call
 * that met it may fail. The linearizability checker cannot see a store that keeps failing, since a
 * failed call always explains itself (it changed nothing, or its effect is unknown); this rule can,
 * from the history and the number of faults injected while it was recorded.
 */
final class Recovery {

  private Recovery() {}

  /**
   * Checks that the calls of the faulted clients that failed in the backend ({@link
   * History.Op#storageFailure}) are no more than the faults injected, each of which may fail the
   * one call that meets it.
   *
   * @param history the history
   * @param faulted which clients ({@link History.Op#process}) used the store the faults hit; only
   *     their calls count (another client's may be unknown for other reasons: an interrupt while
   *     its group committed)
   * @param faults the storage faults injected while it was recorded
   * @return what went wrong, or empty
   */
  static Optional<String> check(History history, IntPredicate faulted, int faults) {
    List<History.Op> failed =
        history.ops().stream()
            .filter(o -> faulted.test(o.process()) && o.storageFailure())
            .toList();
    if (failed.size() <= faults) {
      return Optional.empty();
    }
    return Optional.of(
        failed.size()
            + " calls failed in the backend after "
            + faults
            + " injected storage faults (each may fail the one call that meets it): the store did"
            + " not recover\n"
            + failed.stream().map(o -> "  " + o).collect(Collectors.joining("\n")));
  }
}
