package dev.harbor.state.cli;

import dev.harbor.state.crypto.KeyEncryptionKey;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kek}: key-encryption keys for {@code --keyring}. */
@Command(
    name = "kek",
    description = "Key-encryption keys for --keyring.",
    footer = {"", "Examples:", "  harbor-state kek new --out /etc/harbor/kek.json"},
    subcommands = {KekCommand.New.class})
final class KekCommand implements Callable<Integer> {

  @ParentCommand HarborStateCli root;

  @Spec CommandSpec spec;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command; commands: new");
  }

  /** {@code kek new --out FILE}: writes a new key-encryption key. */
  @Command(
      name = "new",
      description =
          "Write a new key-encryption key (a Tink AES-256-GCM keyset, JSON) to FILE, readable by its"
              + " owner only. Keep it apart from the database and its backups. For"
              + " $HARBOR_STATE_KEK, base64 the file: base64 -w0 FILE.",
      footer = {"", "Examples:", "  harbor-state kek new --out /etc/harbor/kek.json"})
  static final class New implements Callable<Integer> {

    @ParentCommand KekCommand parent;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "Where to write it.")
    Path out;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
      try {
        KeyEncryptionKey.createFile(out);
      } catch (IllegalArgumentException e) {
        throw new ExitCodes.InvalidInputException(String.valueOf(e.getMessage()), e);
      }
      Objects.requireNonNull(parent.root.io, "set by HarborStateCli.run").out().println(out);
      return ExitCodes.OK;
    }
  }
}
