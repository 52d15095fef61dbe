package dev.harbor.state.reliability;

import static org.assertj.core.api.Assertions.fail;

import dev.harbor.state.Identity;
import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Random sequences of every operation, run against a driver and against {@link ModelStore}; every
 * result and every exception type must match after every step. A failing sequence is shrunk (chunks
 * of steps removed while it still fails) to a minimal reproduction, reported with its seed.
 *
 * <p>The number of sequences is {@code -Dharbor.reliability.sequences} (default 200, the README
 * test command; {@code 1000} or more for the full run); {@code -Dharbor.reliability.seed} replays
 * one run.
 *
 * <p>One store is opened per class and wiped between sequences (the key space is tiny and known),
 * which keeps the PostgreSQL run fast.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ModelBasedProperties {

  static final int SEQUENCES = Integer.getInteger("harbor.reliability.sequences", 200);
  private static final int MAX_LENGTH = 40;

  private final SteppingClock clock = new SteppingClock();
  private StoreUnderTest driver;
  private StateStore store;

  /** The driver under test. */
  abstract StoreUnderTest driver();

  @BeforeAll
  final void openStore() {
    driver = driver();
    store = driver.open(clock);
  }

  @AfterAll
  final void closeStore() {
    if (store != null) {
      store.close();
      driver.close();
    }
  }

  @Test
  final void driverAgreesWithTheModelAfterEveryStep() {
    long seed = Long.getLong("harbor.reliability.seed", new Random().nextLong());
    Random random = new Random(seed);
    long steps = 0;
    for (int i = 0; i < SEQUENCES; i++) {
      List<Ops.Op> sequence = Ops.sequence(random, MAX_LENGTH);
      steps += sequence.size();
      String mismatch = firstMismatch(sequence);
      if (mismatch != null) {
        List<Ops.Op> minimal = shrink(sequence);
        StringBuilder report =
            new StringBuilder(
                "driver disagrees with the model (seed "
                    + seed
                    + ", sequence "
                    + i
                    + "); minimal reproduction of "
                    + minimal.size()
                    + " steps:\n");
        for (int s = 0; s < minimal.size(); s++) {
          report.append("  ").append(s).append(": ").append(minimal.get(s)).append('\n');
        }
        fail(report.append(firstMismatch(minimal)).toString());
      }
    }
    // The count the full run reports in docs/RELIABILITY.md.
    System.out.println(
        getClass().getSimpleName()
            + ": "
            + SEQUENCES
            + " sequences, "
            + steps
            + " steps, all agreeing with the model (seed "
            + seed
            + ")");
  }

  /**
   * Runs a sequence on a wiped store and a fresh model; returns a description of the first
   * difference, or null.
   */
  private String firstMismatch(List<Ops.Op> sequence) {
    for (Identity identity : Ops.allIdentities()) {
      store.deleteScope(identity);
    }
    ModelStore model = new ModelStore(clock);
    for (int step = 0; step < sequence.size(); step++) {
      clock.advance();
      Ops.Op op = sequence.get(step);
      Object expected = outcome(op, model.store());
      Object actual = outcome(op, store);
      if (!Objects.equals(expected, actual)) {
        return "step " + step + " " + op + ": model gave " + expected + ", driver gave " + actual;
      }
    }
    return null;
  }

  /**
   * Removes ever smaller chunks of steps while the sequence still fails (delta debugging, removal
   * only).
   */
  private List<Ops.Op> shrink(List<Ops.Op> failing) {
    List<Ops.Op> current = new ArrayList<>(failing);
    for (int chunk = Math.max(1, current.size() / 2); chunk >= 1; chunk /= 2) {
      boolean removed = true;
      while (removed) {
        removed = false;
        for (int from = 0; from + chunk <= current.size(); from += chunk) {
          List<Ops.Op> candidate = new ArrayList<>(current.subList(0, from));
          candidate.addAll(current.subList(from + chunk, current.size()));
          if (!candidate.isEmpty() && firstMismatch(candidate) != null) {
            current = candidate;
            removed = true;
            break;
          }
        }
      }
    }
    return current;
  }

  private static Object outcome(Ops.Op op, StateStore target) {
    try {
      return op.run(target);
    } catch (RuntimeException e) {
      return "throws " + e.getClass().getSimpleName();
    }
  }
}
