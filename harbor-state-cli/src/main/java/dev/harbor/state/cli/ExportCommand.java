package dev.harbor.state.cli;

import dev.harbor.state.StateStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code export}: every record as JSON Lines. */
@Command(
    name = "export",
    description =
        "Write records as JSON Lines, one object per record with every field (bytes in base64, updatedAt in "
            + "ISO-8601 UTC with microseconds), to stdout or --out. The export is one snapshot of the store, "
            + "a backup that 'import' restores: it holds the records of the instant it began (each saveAll "
            + "whole, no event id twice) while writers go on. Records stream from keyset-paginated "
            + "maintenance scans of that snapshot in pages sized to about 32 MiB by the records read so "
            + "far, so memory grows neither with the store nor with its records' sizes. The snapshot holds "
            + "a read transaction for the export's length: on SQLite the WAL file grows until it ends, on "
            + "PostgreSQL it holds one pooled connection and VACUUM waits for it.",
    footer = {
      "",
      "Examples:",
      "  harbor-state export > backup.jsonl",
      "  harbor-state export --tenant acme --prefix task. --out acme-tasks.jsonl",
      "  harbor-state --store postgres://app@db:5432/app export --prefix session. | gzip > sessions.jsonl.gz"
    })
final class ExportCommand extends StoreCommand {

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "Write to this file (default: stdout).")
  Path out;

  @Mixin RecordFilterOptions filter;

  @Override
  int run() throws Exception {
    return withInnerStore(
        store -> {
          if (out == null) {
            exportToStandardOutput(store);
          } else {
            exportToFile(store, out);
          }
        });
  }

  private void exportToStandardOutput(StateStore store) throws IOException {
    OutputStream jsonl = new BufferedOutputStream(io().out(), 1 << 16);
    long n = export(store, jsonl);
    jsonl.flush();
    if (io().terminal()) {
      io().err().println("exported " + n + " records");
    }
  }

  /**
   * Writes beside the target and moves at the end, so a failed export never leaves a partial file.
   */
  private void exportToFile(StateStore store, Path file) throws IOException {
    Path target = file.toAbsolutePath();
    Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
    try {
      long n;
      try (OutputStream jsonl = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        n = export(store, jsonl);
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      io().out().println("exported " + n + " records to " + file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private long export(StateStore store, OutputStream jsonl) throws IOException {
    RecordSource source = filter.source(store, io().err());
    try (Progress progress = new Progress(io(), "export", "records")) {
      source.forEach(
          r -> {
            RecordJson.write(jsonl, r);
            jsonl.write('\n');
            progress.add(1);
          });
      return progress.count();
    }
  }
}
