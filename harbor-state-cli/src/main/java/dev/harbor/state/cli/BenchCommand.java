package dev.harbor.state.cli;

import picocli.CommandLine.Command;

/**
 * {@code bench}: a placeholder until the benchmark work lands; replacing this class with the real command is the whole
 * change.
 */
@Command(
    name = "bench",
    description = "Throughput and latency of the store under load, beside the raw backend baseline. Not yet "
        + "available in this build.",
    footer = {"", "Examples:", "  harbor-state bench"})
final class BenchCommand extends StoreCommand {

  @Override
  int run() {
    throw new ExitCodes.CommandFailedException("bench is not yet available in this build");
  }
}
