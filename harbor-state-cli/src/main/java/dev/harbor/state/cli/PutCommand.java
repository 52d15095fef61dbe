package dev.harbor.state.cli;

import dev.harbor.state.EventId;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.crypto.PayloadEncryption;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code put}: saves one record. */
@Command(
    name = "put",
    description =
        "Save one record (StateStore.save). The payload comes from --data, --file or standard input. Prints "
            + "the event id (or the stored record with --json). Saving the same event id with the same content "
            + "again is a no-op; with other content it is a conflict (exit 4).",
    footer = {
      "",
      "Examples:",
      "  harbor-state put --tenant acme --user alice --session s1 --kind note --data 'hello'",
      "  harbor-state put --tenant acme --user alice --session s1 --run r7 --kind task.checkpoint --file ckpt.bin",
      "  tar c docs | harbor-state put --tenant acme --user alice --session s1 --kind backup.docs \\",
      "      --event-id 01JABCDEF0123456789ABCDEFG --version 3"
    })
final class PutCommand extends StoreCommand {

  @Mixin SlotOptions slot;

  @Option(
      names = "--event-id",
      paramLabel = "ID",
      description = "Event id, the idempotency key (default: a new ULID).")
  String eventId;

  @Option(
      names = "--version",
      paramLabel = "N",
      defaultValue = "0",
      description = "Opaque version number (default: 0).")
  long version;

  @Option(names = "--data", paramLabel = "TEXT", description = "The payload as text (UTF-8).")
  String data;

  @Option(names = "--file", paramLabel = "PATH", description = "Read the payload from this file.")
  Path file;

  @Mixin OutputOptions output;

  @Override
  int run() throws IOException {
    if (data != null && file != null) {
      throw new ExitCodes.InvalidInputException("give the payload with --data or --file, not both");
    }
    EventId eid = eventId != null ? EventId.of(eventId) : EventId.newId();
    try (StateStore store = open()) {
      // Read no more than a payload of this store can be: input past it is refused, not held.
      int max = PayloadEncryption.maxPayloadBytes(store);
      byte[] bytes;
      if (data != null) {
        bytes = data.getBytes(StandardCharsets.UTF_8);
      } else if (file != null) {
        bytes = readFile(file, max);
      } else {
        if (io().terminal()) {
          io().err()
              .println(
                  "reading the payload from standard input (end it with Ctrl-D; or use --data/--file)");
        }
        bytes = io().in().readNBytes(max + 1);
        if (bytes.length > max) {
          throw new ExitCodes.InvalidInputException(
              "standard input is larger than the store's maxPayloadBytes="
                  + max
                  + "; nothing was saved");
        }
      }
      StateRecord record = new StateRecord(eid, slot.quadruple(), slot.kind, version, bytes, null);
      store.save(record);
      if (output.json) {
        output.print(io().out(), store.loadByEventId(record.identity().tenantId(), eid));
      } else {
        io().out().println(eid.value());
      }
    }
    return ExitCodes.OK;
  }

  static byte[] readFile(Path file, int max) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(max + 1);
      if (bytes.length > max) {
        throw new ExitCodes.InvalidInputException(
            file + " is larger than the store's maxPayloadBytes=" + max + "; nothing was saved");
      }
      return bytes;
    } catch (IOException e) {
      throw new ExitCodes.InvalidInputException("cannot read " + file + ": " + e, e);
    }
  }
}
