package dev.harbor.state.cli;

import dev.harbor.state.ListScope;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code scan}: a maintenance scan of one tenant. */
@Command(
    name = "scan",
    sortOptions = false,
    description =
        "Scan one tenant's records whose kind starts with --prefix (StateStore.scanKindForTenant), in (user, "
            + "session, run, kind) order, one page at a time. A maintenance scan crosses identities, so it needs "
            + "--maintenance (the explicit elevation claim). Prints one page, then the continuation for the next "
            + "page on stderr; --all follows continuations to the end.",
    footer = {
      "",
      "Examples:",
      "  harbor-state scan --maintenance --tenant acme --prefix task. --limit 50",
      "  harbor-state scan --maintenance --tenant acme --prefix task. --continuation AbC123...",
      "  harbor-state scan --maintenance --tenant acme --prefix session. --all --json"
    })
final class ScanCommand extends StoreCommand {

  @Option(names = "--maintenance", description = "Claim the maintenance scope (required).")
  boolean maintenance;

  @Option(
      names = "--tenant",
      required = true,
      paramLabel = "TENANT",
      description = "The tenant to scan.")
  String tenant;

  @Option(
      names = "--prefix",
      required = true,
      paramLabel = "PREFIX",
      description = "Kind prefix (non-empty).")
  String prefix;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "256",
      description = "Page size, 1..256 (default: 256).")
  int limit;

  @Option(
      names = "--continuation",
      paramLabel = "TOKEN",
      defaultValue = "",
      description = "Continue after the page that returned this token.")
  String continuation;

  @Option(names = "--all", description = "Follow continuations until the last page.")
  boolean all;

  @Option(names = "--json", description = "One JSON object per record.")
  boolean json;

  @Override
  int run() {
    // Without --maintenance the store itself refuses (MaintenanceScopeRequiredException, exit 2).
    ListScope scope = maintenance ? ListScope.MAINTENANCE : ListScope.NONE;
    try (StateStore store = open()) {
      String token = continuation;
      while (true) {
        ScanPage page;
        try {
          page = store.scanKindForTenant(scope, tenant, prefix, limit, token);
        } catch (MaintenanceScopeRequiredException e) {
          throw new MaintenanceScopeRequiredException(
              e.getMessage() + "; pass --maintenance to claim it", e);
        }
        for (StateRecord r : page.records()) {
          Records.print(io().out(), r, json);
        }
        token = page.continuation();
        if (page.isLast()) {
          break;
        }
        if (!all) {
          io().out().flush();
          io().err().println("more: --continuation " + token);
          break;
        }
      }
    }
    return ExitCodes.OK;
  }
}
