package dev.harbor.state.cli;

import dev.harbor.state.StateRecord;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/**
 * {@code --json}: how the commands that show records print them. One option and one printer, so
 * every command that shows a record shows it the same way.
 */
final class OutputOptions {

  @Option(
      names = "--json",
      description = "Print each record as one JSON object per line, every field (bytes in base64).")
  boolean json;

  /** One record as a readable line, or as one JSON line. */
  void print(PrintStream out, StateRecord record) {
    Records.print(out, record, json);
  }

  /** One loaded record: its payload bytes exactly as stored, or the whole record as JSON. */
  void printPayload(PrintStream out, StateRecord record) {
    Records.printPayload(out, record, json);
  }
}
