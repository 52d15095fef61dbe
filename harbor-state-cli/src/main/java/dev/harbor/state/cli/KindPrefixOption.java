package dev.harbor.state.cli;

import picocli.CommandLine.Option;

/**
 * {@code --prefix}, required: the literal kind prefix that {@code ls} and {@code scan} select by.
 */
final class KindPrefixOption {

  @Option(
      names = "--prefix",
      required = true,
      paramLabel = "PREFIX",
      description = "Kind prefix (non-empty, literal).")
  String prefix;
}
