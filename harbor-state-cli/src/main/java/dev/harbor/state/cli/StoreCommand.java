package dev.harbor.state.cli;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: the {@code --store}, {@code --verbose} and {@code --help} options
 * (accepted before or after the subcommand's name) and access to the process streams.
 */
// Help lists options in the order each command declares them; picocli applies a superclass's
// @Command attributes to its subclasses.
@Command(sortOptions = false)
abstract class StoreCommand implements Callable<Integer> {

  @ParentCommand HarborStateCli root;

  @Option(
      names = "--store",
      paramLabel = "LOCATION",
      description =
          "The store (default: $HARBOR_STATE_STORE, else " + HarborStateCli.DEFAULT_LOCATION + ").")
  String store;

  @Option(names = "--verbose", description = "Print stack traces of failures.")
  boolean verbose;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  @Spec CommandSpec spec;

  Io io() {
    return Objects.requireNonNull(root.io, "set by HarborStateCli.run before any command runs");
  }

  /** The store location in effect: this command's {@code --store}, else the global one. */
  String location() {
    return store != null ? store : root.location();
  }

  /** Opens the store in effect; the caller closes it. */
  StateStore open() {
    return StateStores.open(location());
  }

  /** Work on an open store. */
  @FunctionalInterface
  interface StoreWork {
    void run(StateStore store) throws Exception;
  }

  /**
   * Opens the store in effect, does the work and closes the store: the shape of most commands.
   *
   * @param work what to do with the store
   * @return {@link ExitCodes#OK}; failures are thrown and mapped by {@link ExitCodes}
   * @throws Exception if the work fails
   */
  int withStore(StoreWork work) throws Exception {
    try (StateStore store = open()) {
      work.run(store);
    }
    return ExitCodes.OK;
  }

  @Override
  public final Integer call() throws Exception {
    try {
      return run();
    } finally {
      io().out().flush();
    }
  }

  /**
   * Does the command's work.
   *
   * @return the exit code (failures are thrown and mapped by {@link ExitCodes})
   * @throws Exception on failure
   */
  abstract int run() throws Exception;
}
