package dev.harbor.state.cli;

import dev.harbor.state.EventId;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code get-event}: loads the live record of an event id. */
@Command(
    name = "get-event",
    description =
        "Load the live record written under an event id (StateStore.loadByEventId) and print its payload "
            + "bytes, or the whole record with --json. An unknown event id exits 3.",
    footer = {
      "",
      "Examples:",
      "  harbor-state get-event 01JABCDEF0123456789ABCDEFG --json",
      "  harbor-state get-event 01JABCDEF0123456789ABCDEFG > payload.bin"
    })
final class GetEventCommand extends StoreCommand {

  @Parameters(index = "0", paramLabel = "EVENT_ID", description = "The event id.")
  String eventId;

  @Mixin OutputOptions output;

  @Override
  int run() throws Exception {
    return withStore(
        store -> output.printPayload(io().out(), store.loadByEventId(EventId.of(eventId))));
  }
}
