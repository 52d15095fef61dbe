package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.InvalidScanException;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.RecordNotFoundException;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.UnknownDriverException;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** One case per row of {@link ExitCodes#TABLE}, plus the fallbacks. */
class ExitCodesTest {

  static Stream<Arguments> rows() {
    CommandLine cmd = new CommandLine(new HarborStateCli());
    return Stream.of(
        Arguments.of(new CommandLine.ParameterException(cmd, "missing --kind"), 2),
        Arguments.of(new ExitCodes.InvalidInputException("two payloads"), 2),
        Arguments.of(new InvalidRecordException("empty kind"), 2),
        Arguments.of(new IdentityRequiredException("tenant empty"), 2),
        Arguments.of(new InvalidConfigException("bad location"), 2),
        Arguments.of(new InvalidScanException("limit 0"), 2),
        Arguments.of(new MaintenanceScopeRequiredException("no claim"), 2),
        Arguments.of(new UnknownDriverException("nosuch"), 2),
        Arguments.of(new RecordNotFoundException("no slot"), 3),
        Arguments.of(new IdempotencyConflictException("reused id"), 4),
        Arguments.of(new ConditionFailedException("stale"), 4),
        Arguments.of(new StorageException("down", true, null), 5),
        Arguments.of(new CommitOutcomeUnknownException("unknown", null), 5));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("rows")
  void eachRowOfTheTable(Throwable failure, int code) {
    assertThat(ExitCodes.of(failure)).isEqualTo(code);
  }

  @Test
  void everyRowIsCovered() {
    assertThat(rows().map(a -> a.get()[0].getClass()).distinct().count())
        .isEqualTo(
            ExitCodes.TABLE.size()
                + 1); // CommitOutcomeUnknownException rides on StorageException's row
  }

  @Test
  void locatedFailures_mapLikeTheirCause() {
    assertThat(
            ExitCodes.of(
                new ExitCodes.LocatedException(
                    "line 4", new ExitCodes.InvalidInputException("column 1: x"))))
        .isEqualTo(2);
    assertThat(
            ExitCodes.of(
                new ExitCodes.LocatedException(
                    "lines 1-500", new StorageException("x", false, null))))
        .isEqualTo(5);
  }

  @Test
  void everythingElse_isOne() {
    assertThat(ExitCodes.of(new StoreClosedException("closed"))).isEqualTo(1);
    assertThat(ExitCodes.of(new OperationCancelledException("interrupted"))).isEqualTo(1);
    assertThat(ExitCodes.of(new IOException("disk full"))).isEqualTo(1);
    assertThat(ExitCodes.of(new ExitCodes.CommandFailedException("copy check failed")))
        .isEqualTo(1);
    assertThat(ExitCodes.of(new IllegalStateException("bug"))).isEqualTo(1);
  }
}
