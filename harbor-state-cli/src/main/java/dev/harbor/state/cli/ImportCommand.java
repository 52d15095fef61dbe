package dev.harbor.state.cli;

import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.StoreCore;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code import}: JSON Lines into the store. */
@Command(
    name = "import",
    description =
        "Read JSON Lines in the format of export (from FILE or stdin) and save them with saveAll in atomic "
            + "batches, bounded by --batch-size records and --batch-bytes bytes. Re-running the same import "
            + "is a no-op: records are keyed by event id. A bad line is reported as 'line N: ...' and nothing "
            + "of its batch is written (earlier batches stay applied). run defaults to \"\", version to 0, and "
            + "a missing updatedAt is stamped by the store.",
    footer = {
      "",
      "Examples:",
      "  harbor-state import backup.jsonl",
      "  gunzip -c sessions.jsonl.gz | harbor-state --store postgres://app@db:5432/app import",
      "  harbor-state import --batch-size 2000 big.jsonl"
    })
final class ImportCommand extends StoreCommand {

  /** What the decoder reads a malformed byte sequence as. */
  private static final char MALFORMED = '\uDFFF';

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "FILE",
      description = "Read this file (default: stdin).")
  Path file;

  @Mixin BatchOptions batch;

  @Override
  int run() throws Exception {
    return withInnerStore(this::importLines);
  }

  /** Reads, checks and writes the records line by line, in batches; names the first bad line. */
  private void importLines(StateStore store) throws IOException {
    try (InputStream in = file == null ? nonClosing(io().in()) : openFile(file);
        Progress progress = new Progress(io(), "import", "records")) {
      Batcher batcher = batch.batcher(store);
      // A malformed sequence decodes to a lone surrogate, which valid UTF-8 never yields: the line
      // holding one is named, once the lines before it were read like any others.
      CharsetDecoder utf8 =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPLACE)
              .replaceWith(String.valueOf(MALFORMED));
      int maxLine = maxLineChars(StoreCore.limits(store).maxPayloadBytes());
      BoundedLines reader = new BoundedLines(new InputStreamReader(in, utf8), maxLine);
      long lineNo = 0;
      while (true) {
        String line;
        try {
          line = reader.next();
        } catch (BoundedLines.TooLongException e) {
          // Read no further: a line past the bound is not a record, and holding it could exhaust
          // the heap.
          throw new ExitCodes.LocatedException(
              "line " + (lineNo + 1),
              new ExitCodes.InvalidInputException(
                  "longer than "
                      + maxLine
                      + " characters, more than a record of this store can be (maxPayloadBytes="
                      + StoreCore.limits(store).maxPayloadBytes()
                      + ")"));
        }
        if (line == null) {
          break;
        }
        lineNo++;
        if (line.indexOf(MALFORMED) >= 0) {
          throw new ExitCodes.LocatedException(
              "line " + lineNo, new ExitCodes.InvalidInputException("not valid UTF-8"));
        }
        if (line.isBlank()) {
          continue;
        }
        StateRecord r;
        try {
          r = RecordJson.read(line);
        } catch (RuntimeException e) {
          throw new ExitCodes.LocatedException("line " + lineNo, e);
        }
        Batcher.validate(r, lineNo);
        batcher.add(r, lineNo);
        progress.add(1);
      }
      batcher.flush();
      io().out().println("imported " + batcher.written() + " records");
    }
  }

  /**
   * The longest line a record of a store with this payload limit can take: its payload in base64,
   * plus room for the keys written with every character escaped (six characters each in JSON), the
   * field names, version, timestamp and spacing.
   */
  static int maxLineChars(int maxPayloadBytes) {
    long base64 = 4L * ((maxPayloadBytes + 2L) / 3);
    return (int) Math.min(Integer.MAX_VALUE - 16, base64 + (64 << 10));
  }

  private static InputStream openFile(Path file) throws IOException {
    try {
      return Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new ExitCodes.InvalidInputException("no such file: " + file, e);
    }
  }

  /** Standard input belongs to the process; closing the reader must not close it. */
  private static InputStream nonClosing(InputStream in) {
    return new java.io.FilterInputStream(in) {
      @Override
      public void close() {}
    };
  }
}
