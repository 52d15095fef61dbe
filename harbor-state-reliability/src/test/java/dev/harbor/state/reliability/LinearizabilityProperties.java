package dev.harbor.state.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/**
 * Concurrent histories of a driver, recorded under faults and checked against the sequential model
 * ({@link ModelStore}) by {@link LinearizabilityChecker}: each history's operations must be
 * explainable by one order that respects real time. Each history works in tenants of its own, so
 * one store serves them all and each history starts from an empty model.
 *
 * <p>{@code -Dharbor.reliability.histories} (default 4) and {@code -Dharbor.reliability.historyOps}
 * (operations per client, default 30) set the size; {@code -Dharbor.reliability.seed} replays a
 * run. A violation fails the test with the shrunk history printed; an undecided history counts
 * against the run, never for it.
 */
abstract class LinearizabilityProperties {

  static final int HISTORIES = Integer.getInteger("harbor.reliability.histories", 4);
  static final int OPS_PER_CLIENT = Integer.getInteger("harbor.reliability.historyOps", 30);
  static final int CLIENTS = 6;

  /** The checker every test uses: default budget per tenant. */
  static final LinearizabilityChecker CHECKER = new LinearizabilityChecker();

  /** How long shrinking a violating history may take. */
  static final java.time.Duration SHRINK_TIME = java.time.Duration.ofSeconds(60);

  /** The store instances (nodes) and faults of one driver's run. */
  interface Nodes {
    /** The instances; clients are spread over them. */
    List<StateStore> stores();

    /** What disturbs them while a history is recorded, or null. */
    default HistoryRecorder.Fault fault() {
      return null;
    }

    /** Clients in other processes for one history, or none. */
    default List<HistoryRecorder.Participant> participants(int history) {
      return List.of();
    }

    /**
     * What happens once a history's clients are done, before it is checked: a restart, and reads of
     * the restarted store added to the history. Returns the history to check.
     */
    default History afterHistory(History recorded) throws Exception {
      return recorded;
    }

    /**
     * How many calls of the last history's {@link #faulted} clients may fail in the backend ({@link
     * Recovery}), or -1 where the faults may fail any number (a locked file fails every call while
     * it lasts).
     */
    default int failureBudget() {
      return -1;
    }

    /** Which clients use the store instance the faults hit, for {@link #failureBudget}. */
    default IntPredicate faulted() {
      return process -> true;
    }

    /** Closes the instances and removes what they created. */
    default void close() throws Exception {}
  }

  /** Opens the driver's nodes for the whole run. */
  abstract Nodes open() throws Exception;

  /** Chance in percent, per fault tick, that a client thread is interrupted. */
  int interruptPercent() {
    return 10;
  }

  @Test
  final void concurrentHistoriesUnderFaults_areLinearizable() throws Exception {
    long seed = Long.getLong("harbor.reliability.seed", new Random().nextLong());
    int ops = 0;
    int indeterminate = 0;
    int undecided = 0;
    List<String> violations = new ArrayList<>();
    int faults = 0;
    Nodes nodes = open();
    try {
      for (int h = 0; h < HISTORIES; h++) {
        List<String> tenants = List.of("h" + h + "a", "h" + h + "b");
        // The nodes' stores as they are now: a restart may have replaced them.
        HistoryRecorder forHistory =
            new HistoryRecorder(
                nodes.stores(),
                CLIENTS,
                OPS_PER_CLIENT,
                tenants,
                nodes.fault(),
                interruptPercent());
        History history = nodes.afterHistory(forHistory.record(seed + h, nodes.participants(h)));
        faults += forHistory.faults.get();
        int budget = nodes.failureBudget();
        if (budget >= 0) {
          int index = h;
          Recovery.check(history, nodes.faulted(), budget)
              .ifPresent(
                  v -> violations.add("history " + index + " (seed " + (seed + index) + "): " + v));
        }
        ops += history.ops().size();
        indeterminate += (int) history.ops().stream().filter(History.Op::indeterminate).count();
        LinearizabilityChecker.Result result = CHECKER.check(history);
        switch (result.verdict()) {
          case LINEARIZABLE -> {}
          case UNDECIDED -> undecided++;
          case VIOLATION -> {
            History small = new HistoryShrinker(CHECKER, SHRINK_TIME).shrink(history);
            violations.add(
                "history "
                    + h
                    + " (seed "
                    + (seed + h)
                    + "), shrunk to "
                    + small.ops().size()
                    + " of "
                    + history.ops().size()
                    + " operations:\n"
                    + HistoryShrinker.describe(small));
          }
        }
      }
    } finally {
      nodes.close();
    }
    System.out.printf(
        "%s: %d histories, %d operations, %d faults injected, %d indeterminate operations,"
            + " %d undecided, %d violations (seed %d)%n",
        getClass().getSimpleName(),
        HISTORIES,
        ops,
        faults,
        indeterminate,
        undecided,
        violations.size(),
        seed);
    assertThat(violations).as("non-linearizable histories").isEmpty();
    assertThat(undecided)
        .as("undecided histories (at most 1%%; an undecided history is never a pass)")
        .isLessThanOrEqualTo(HISTORIES / 100);
  }
}
