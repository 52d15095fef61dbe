package dev.harbor.state.cli;

import dev.harbor.state.ListScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code erase-tenant}: removes everything of one tenant, in steps; only with {@code --yes}. */
@Command(
    name = "erase-tenant",
    description =
        "Erase a tenant (StateStore.eraseTenant): every record of the tenant, in atomic steps of --step records "
            + "until none is left. Refuses to run without --yes. Prints the number of records removed.",
    footer = {"", "Examples:", "  harbor-state erase-tenant --tenant acme --yes"})
final class EraseTenantCommand extends RetentionCommand {

  @Mixin TenantOption target;

  @Option(names = "--yes", description = "Confirm: erase every record of the tenant (required).")
  boolean yes;

  @Option(
      names = "--shred",
      description =
          "First destroy the tenant's keys (--keyring): every copy of its payloads, in backups and"
              + " exports too, becomes unreadable. Then erase the records.")
  boolean shred;

  @Override
  int run() throws Exception {
    if (!yes) {
      throw new ExitCodes.InvalidInputException(
          "erase-tenant removes every record of tenant '"
              + target.tenant
              + "'; pass --yes to confirm");
    }
    if (shred) {
      // Shred first: if the erase is interrupted, what is left is already unreadable.
      keys().shred(target.tenant);
    }
    return withInnerStore(
        store ->
            io().out()
                .println(
                    untilZero(
                        "erase-tenant",
                        () -> store.eraseTenant(ListScope.MAINTENANCE, target.tenant, step()))));
  }
}
