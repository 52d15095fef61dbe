package dev.harbor.state.cli;

import dev.harbor.state.EventId;
import dev.harbor.state.MaintenanceScopeRequiredException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code get-event}: loads the live record of an event id, in one tenant ({@code --tenant}) or,
 * claiming the maintenance scope, in any (SPEC 9.2).
 */
@Command(
    name = "get-event",
    description =
        "Load the live record written under an event id and print its payload bytes, or the whole record with "
            + "--json. With --tenant the id is looked up in that tenant only "
            + "(StateStore.loadByEventId(tenant, id)): another tenant's id is not found. Without --tenant the "
            + "lookup crosses tenants (StateStore.loadByEventId(id)), so it needs --maintenance. An event id "
            + "that is not found exits 3.",
    footer = {
      "",
      "Examples:",
      "  harbor-state get-event 01JABCDEF0123456789ABCDEFG --tenant acme --json",
      "  harbor-state get-event 01JABCDEF0123456789ABCDEFG --tenant acme > payload.bin",
      "  harbor-state get-event 01JABCDEF0123456789ABCDEFG --maintenance --json"
    })
final class GetEventCommand extends StoreCommand {

  @Parameters(index = "0", paramLabel = "EVENT_ID", description = "The event id.")
  String eventId;

  @Option(
      names = "--tenant",
      paramLabel = "TENANT",
      description = "Look the event id up in this tenant only.")
  @Nullable String tenant;

  @Option(
      names = "--maintenance",
      description =
          "Without --tenant: claim the maintenance scope to look the event id up across tenants.")
  boolean maintenance;

  @Mixin OutputOptions output;

  @Override
  int run() throws Exception {
    String scope = tenant;
    if (scope == null && !maintenance) {
      // Refused before the store is opened: a lookup across tenants is a claim, never a default.
      throw new MaintenanceScopeRequiredException(
          "get-event without --tenant looks the event id up across tenants and requires"
              + " ListScope.MAINTENANCE; pass --tenant TENANT, or --maintenance to claim it");
    }
    EventId id = EventId.of(eventId);
    return withStore(
        store ->
            output.printPayload(
                io().out(),
                scope == null ? store.loadByEventId(id) : store.loadByEventId(scope, id)));
  }
}
