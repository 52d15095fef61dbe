package dev.harbor.state.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code get}: loads one slot. */
@Command(
    name = "get",
    description =
        "Load one slot (StateStore.load) and print its payload bytes exactly as stored, or the whole record "
            + "as one JSON object with --json. A missing slot exits 3.",
    footer = {
      "",
      "Examples:",
      "  harbor-state get --tenant acme --user alice --session s1 --kind note",
      "  harbor-state get --tenant acme --user alice --session s1 --run r7 --kind task.checkpoint > ckpt.bin",
      "  harbor-state get --tenant acme --user alice --session s1 --kind note --json"
    })
final class GetCommand extends StoreCommand {

  @Mixin SlotOptions slot;

  @Mixin OutputOptions output;

  @Override
  int run() throws Exception {
    return withStore(
        store -> output.printPayload(io().out(), store.load(slot.quadruple(), slot.kind)));
  }
}
