package dev.harbor.state.cli;

import dev.harbor.state.StateStore;
import dev.harbor.state.spi.StoreCore;
import picocli.CommandLine.Option;

/**
 * The batch bounds of the commands that write with {@code saveAll}: {@code import}, {@code copy}.
 */
final class BatchOptions {

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "" + Batcher.DEFAULT_SIZE,
      description =
          "Records per saveAll batch, 1.." + Batcher.MAX_SIZE + " (default: ${DEFAULT-VALUE}).")
  int size;

  @Option(
      names = "--batch-bytes",
      paramLabel = "BYTES",
      defaultValue = "" + Batcher.DEFAULT_BYTES,
      description =
          "Bytes per saveAll batch, 1.."
              + Batcher.MAX_BYTES
              + " (default: ${DEFAULT-VALUE}, 32 MiB): payloads plus "
              + Batcher.RECORD_OVERHEAD
              + " a record for keys, and at most the target store's maxBatchBytes. A larger record"
              + " goes alone in its batch.")
  long bytes;

  /**
   * A batcher over {@code store}'s {@code saveAll} with these bounds, its byte budget capped at the
   * store's {@code maxBatchBytes} (a record's cost here is at least what the store counts), so the
   * store never refuses a batch for its size.
   */
  Batcher batcher(StateStore store) {
    long budget = bytes;
    if (bytes >= 1 && bytes <= Batcher.MAX_BYTES) {
      budget = Math.min(bytes, StoreCore.limits(store).maxBatchBytes());
    }
    return new Batcher(store::saveAll, size, budget);
  }
}
