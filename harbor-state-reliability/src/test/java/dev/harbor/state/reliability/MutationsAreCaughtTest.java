package dev.harbor.state.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checks the checker: each deliberately broken store ({@link Mutations}) must produce a history the
 * checker calls a violation, or (a store that does not recover from a fault) that {@link Recovery}
 * rejects, within a few histories of the same size the driver tests record.
 */
class MutationsAreCaughtTest {

  private static final int MAX_HISTORIES = 30;

  /** Shrinking only makes the printed history readable; a few seconds do for a report. */
  private static final Duration SHRINK_TIME = Duration.ofSeconds(5);

  @ParameterizedTest
  @EnumSource(Mutations.class)
  void everyMutation_isCaughtAsAViolation(Mutations mutation) throws Exception {
    long seed = Long.getLong("harbor.reliability.seed", new Random().nextLong());
    try (StateStore correct = Drivers.inmem(Map.of()).open(Clock.systemUTC())) {
      StateStore broken = mutation.wrap(correct);
      for (int h = 0; h < MAX_HISTORIES; h++) {
        HistoryRecorder recorder =
            new HistoryRecorder(
                List.of(broken),
                LinearizabilityProperties.CLIENTS,
                LinearizabilityProperties.OPS_PER_CLIENT,
                List.of("h" + h + "a", "h" + h + "b"),
                mutation.fault(broken),
                0);
        History history = recorder.record(seed + h);
        Optional<String> notRecovered =
            Recovery.check(history, process -> true, recorder.faults.get());
        if (notRecovered.isPresent()) {
          System.out.printf(
              "%s caught in history %d (seed %d): %s%n",
              mutation, h + 1, seed + h, notRecovered.get());
          return;
        }
        LinearizabilityChecker.Result result = LinearizabilityProperties.CHECKER.check(history);
        if (result.verdict() == LinearizabilityChecker.Verdict.VIOLATION) {
          History small =
              new HistoryShrinker(LinearizabilityProperties.CHECKER, SHRINK_TIME).shrink(history);
          System.out.printf(
              "%s caught in history %d (seed %d), shrunk to %d of %d operations:%n%s%n",
              mutation,
              h + 1,
              seed + h,
              small.ops().size(),
              history.ops().size(),
              HistoryShrinker.describe(small));
          return;
        }
      }
    }
    assertThat(false).as("%s never caught in %d histories", mutation, MAX_HISTORIES).isTrue();
  }
}
