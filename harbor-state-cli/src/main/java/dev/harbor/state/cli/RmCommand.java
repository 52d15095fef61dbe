package dev.harbor.state.cli;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rm}: deletes one slot. */
@Command(
    name = "rm",
    description =
        "Delete one slot (StateStore.delete). Deleting an absent slot succeeds. With --if-event, delete only "
            + "if the slot holds exactly that event id (StateStore.deleteIf); otherwise exit 4 and change nothing.",
    footer = {
      "",
      "Examples:",
      "  harbor-state rm --tenant acme --user alice --session s1 --kind note",
      "  harbor-state rm --tenant acme --user alice --session s1 --kind lease --if-event 01JABCDEF0123456789ABCDEFG"
    })
final class RmCommand extends StoreCommand {

  @Mixin SlotOptions at;

  @Option(
      names = "--if-event",
      paramLabel = "ID",
      description = "Delete only if the slot holds this event id.")
  String ifEvent;

  @Override
  int run() {
    Quadruple q = at.quadruple();
    String kind = at.kind;
    String slot = at.describe();
    try (StateStore store = open()) {
      if (ifEvent != null) {
        if (!store.deleteIf(SlotExpectation.exact(q, kind, EventId.of(ifEvent)))) {
          throw new ConditionFailedException(
              "slot " + slot + " does not hold event " + ifEvent + "; nothing removed");
        }
        io().out().println("removed " + slot + " (event " + ifEvent + ")");
        return ExitCodes.OK;
      }
      Optional<StateRecord> before = store.find(q, kind);
      store.delete(q, kind);
      io().out()
          .println(
              before
                  .map(r -> "removed " + slot + " (event " + r.id().value() + ")")
                  .orElse("nothing at " + slot));
    }
    return ExitCodes.OK;
  }
}
