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
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.UnknownDriverException;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** One case per exception of the contract and of the command line, plus the fallbacks. */
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

  /** A new exception in the contract's sealed hierarchy must be given its exit code here. */
  @Test
  void everyExceptionOfTheContract_hasACase() {
    Set<Class<?>> covered = new HashSet<>();
    rows().forEach(a -> covered.add(a.get()[0].getClass()));
    everythingElse().forEach(covered::add);
    Set<Class<?>> contract = new HashSet<>();
    Deque<Class<?>> open = new ArrayDeque<>(List.of(StateStoreException.class));
    while (!open.isEmpty()) {
      Class<?> type = open.pop();
      if (!Modifier.isAbstract(type.getModifiers())) {
        contract.add(type);
      }
      Class<?>[] subclasses = type.getPermittedSubclasses();
      if (subclasses != null) {
        open.addAll(List.of(subclasses));
      }
    }
    assertThat(covered).containsAll(contract);
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

  static Stream<Class<?>> everythingElse() {
    return Stream.of(
        StoreClosedException.class,
        OperationCancelledException.class,
        IOException.class,
        ExitCodes.CommandFailedException.class,
        IllegalStateException.class,
        NullPointerException.class,
        IllegalArgumentException.class);
  }

  /** Bugs, I/O, a store closed under a command, an interrupt: failures, never usage errors. */
  @ParameterizedTest(name = "{0} -> 1")
  @MethodSource("everythingElse")
  void everythingElse_isOne(Class<? extends Exception> type) throws Exception {
    Exception failure = type.getDeclaredConstructor(String.class).newInstance("x");
    assertThat(ExitCodes.of(failure)).isEqualTo(1);
  }
}
