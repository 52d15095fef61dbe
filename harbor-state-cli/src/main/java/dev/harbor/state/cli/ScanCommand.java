package dev.harbor.state.cli;

import dev.harbor.state.ListScope;
import dev.harbor.state.MaintenanceScopeRequiredException;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code scan}: a maintenance scan of one tenant. */
@Command(
    name = "scan",
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

  @Mixin KindPrefixOption kinds;

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

  @Mixin OutputOptions output;

  @Override
  int run() {
    // Without --maintenance the store itself refuses (MaintenanceScopeRequiredException, exit 2).
    ListScope scope = maintenance ? ListScope.MAINTENANCE : ListScope.NONE;
    try (StateStore store = open()) {
      String token = continuation;
      while (true) {
        ScanPage page;
        try {
          page = store.scanKindForTenant(scope, tenant, kinds.prefix, limit, token);
        } catch (MaintenanceScopeRequiredException e) {
          throw new MaintenanceScopeRequiredException(
              e.getMessage() + "; pass --maintenance to claim it", e);
        }
        page.records().forEach(r -> output.print(io().out(), r));
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
