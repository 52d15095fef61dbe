package dev.harbor.state.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
    HistoryRecorder recorder;
    Nodes nodes = open();
    try {
      recorder =
          new HistoryRecorder(
              nodes.stores(),
              CLIENTS,
              OPS_PER_CLIENT,
              List.of(),
              nodes.fault(),
              interruptPercent());
      for (int h = 0; h < HISTORIES; h++) {
        List<String> tenants = List.of("h" + h + "a", "h" + h + "b");
        HistoryRecorder forHistory = recorder.withTenants(tenants);
        History history = forHistory.record(seed + h, nodes.participants(h));
        recorder.faults.addAndGet(forHistory.faults.get());
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
        recorder.faults.get(),
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
