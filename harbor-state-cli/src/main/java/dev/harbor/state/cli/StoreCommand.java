package dev.harbor.state.cli;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.crypto.KeyEncryptionKey;
import dev.harbor.state.crypto.PayloadEncryption;
import dev.harbor.state.crypto.TenantKeys;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
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
      names = "--keyring",
      paramLabel = "DIR",
      description =
          "Payloads are sealed with per-tenant keys kept in DIR (SPEC 10): reads open them, writes seal"
              + " them; export, import and copy carry them sealed. The key-encryption key comes from"
              + " --kek-file, else $"
              + KEK_ENV
              + " (the keyset, base64).")
  @Nullable Path keyring;

  @Option(
      names = "--kek-file",
      paramLabel = "FILE",
      description =
          "The key-encryption key for --keyring: a Tink keyset file (harbor-state kek new).")
  @Nullable Path kekFile;

  /** The environment variable holding the key-encryption key, base64. */
  static final String KEK_ENV = "HARBOR_STATE_KEK";

  /** The keyring opened for this command, closed when it ends. */
  private @Nullable TenantKeys keys;

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

  /**
   * Opens the store in effect, sealing payloads when {@code --keyring} is given; the caller closes
   * it.
   */
  final StateStore open() {
    StateStore inner = openInner();
    return keyring == null ? inner : PayloadEncryption.wrap(inner, keys());
  }

  /** Opens the store in effect as written: payloads as stored (sealed or not). */
  StateStore openInner() {
    return StateStores.open(location());
  }

  /** The keyring of {@code --keyring}; a usage error without it or without a key-encryption key. */
  TenantKeys keys() {
    if (keys != null) {
      return keys;
    }
    if (keyring == null) {
      throw new ExitCodes.InvalidInputException(
          spec.name() + " needs --keyring DIR (and --kek-file FILE or $" + KEK_ENV + ")");
    }
    KeyEncryptionKey kek;
    try {
      if (kekFile != null) {
        kek = KeyEncryptionKey.fromFile(kekFile);
      } else if (io().env().containsKey(KEK_ENV)) {
        // The library reads the process environment; the CLI only checks that it is there.
        kek = KeyEncryptionKey.fromEnvironment(KEK_ENV);
      } else {
        throw new ExitCodes.InvalidInputException(
            "--keyring needs a key-encryption key: --kek-file FILE or $" + KEK_ENV);
      }
      keys = TenantKeys.keyring(keyring, kek);
    } catch (IllegalArgumentException e) {
      throw new ExitCodes.InvalidInputException(String.valueOf(e.getMessage()), e);
    }
    return keys;
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

  /**
   * As {@link #withStore}, on the store as written: payloads pass unchanged, sealed or not (export
   * and import carry sealed payloads, never decrypting them).
   *
   * @param work what to do with the store
   * @return {@link ExitCodes#OK}
   * @throws Exception if the work fails
   */
  int withInnerStore(StoreWork work) throws Exception {
    try (StateStore store = openInner()) {
      work.run(store);
    }
    return ExitCodes.OK;
  }

  @Override
  public final Integer call() throws Exception {
    try {
      return run();
    } finally {
      if (keys != null) {
        keys.close();
      }
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
