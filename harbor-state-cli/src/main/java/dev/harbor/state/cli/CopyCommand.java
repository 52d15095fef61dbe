package dev.harbor.state.cli;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.Locations;
import java.io.IOException;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code copy}: every record from one store to another, then a check that both sides match. */
@Command(
    name = "copy",
    description =
        "Copy every record (slot, event id, version, bytes and updatedAt) from one store to another in atomic "
            + "saveAll batches (bounded by --batch-size records and --batch-bytes bytes; the source is read in "
            + "pages sized to the same byte budget, from one snapshot of it: the target gets the source as it "
            + "was when the copy began, while writers go on), then read both sides "
            + "back and compare record counts and a SHA-256 over every field. "
            + "Idempotent: re-running a finished copy changes nothing. This is how a store moves from SQLite to "
            + "PostgreSQL. Exits 1 if the check finds a difference (e.g. the target already held other records). "
            + "--tenant and --prefix narrow what is copied.",
    footer = {
      "",
      "Examples:",
      "  harbor-state copy --from sqlite:./harbor-state.db --to postgres://app@db:5432/app",
      "  harbor-state copy --to postgres://app@db:5432/app?schema=harbor      (--from: the store in effect)",
      "  harbor-state copy --from sqlite:./a.db --to sqlite:./b.db --tenant acme --prefix task."
    })
final class CopyCommand extends StoreCommand {

  @Option(
      names = "--from",
      paramLabel = "LOCATION",
      description = "Source store (default: the store in effect).")
  String from;

  @Option(names = "--to", required = true, paramLabel = "LOCATION", description = "Target store.")
  String to;

  @Mixin RecordFilterOptions filter;

  @Mixin BatchOptions batch;

  @Override
  int run() throws IOException {
    String source = from != null ? from : location();
    try (StateStore src = StateStores.open(source);
        StateStore dst = StateStores.open(to)) {
      Batcher batcher = batch.batcher(dst);
      RecordSource records = filter.source(src, batch.bytes, io().err());
      RecordDigest sourceDigest = new RecordDigest();
      try (Progress progress = new Progress(io(), "copy", "records")) {
        records.forEach(
            r -> {
              sourceDigest.add(r);
              batcher.add(r, sourceDigest.count());
              progress.add(1);
            });
        batcher.flush();
      }
      RecordDigest targetDigest = new RecordDigest();
      try (Progress progress = new Progress(io(), "verify", "records")) {
        records
            .over(dst)
            .forEach(
                r -> {
                  targetDigest.add(r);
                  progress.add(1);
                });
      }
      long sourceCount = sourceDigest.count();
      long targetCount = targetDigest.count();
      String sourceHex = sourceDigest.hex();
      String targetHex = targetDigest.hex();
      PrintStream out = io().out();
      out.println(
          "source "
              + Locations.redact(source)
              + ": "
              + sourceCount
              + " records, sha256 "
              + sourceHex);
      out.println(
          "target " + Locations.redact(to) + ": " + targetCount + " records, sha256 " + targetHex);
      if (sourceCount != targetCount || !sourceHex.equals(targetHex)) {
        throw new ExitCodes.CommandFailedException(
            "copy check failed: the target does not hold exactly the source's "
                + "records ("
                + targetCount
                + " vs "
                + sourceCount
                + "; it may have held other records before)");
      }
      out.println(
          "copy verified: " + sourceCount + " records, same count and same digest on both sides");
    }
    return ExitCodes.OK;
  }
}
