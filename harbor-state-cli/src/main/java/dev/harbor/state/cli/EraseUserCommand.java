package dev.harbor.state.cli;

import dev.harbor.state.ListScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code erase-user}: removes everything of one user of a tenant, in steps. */
@Command(
    name = "erase-user",
    description =
        "Erase a user (StateStore.eraseUser): every record of the tenant and user, of every session, run and "
            + "kind, in atomic steps of --step records until none is left. Prints the number of records removed.",
    footer = {"", "Examples:", "  harbor-state erase-user --tenant acme --user alice"})
final class EraseUserCommand extends RetentionCommand {

  @Mixin TenantOption target;

  @Option(names = "--user", required = true, paramLabel = "USER", description = "User id.")
  String user;

  @Override
  int run() throws Exception {
    return withStore(
        store ->
            io().out()
                .println(
                    untilZero(
                        "erase-user",
                        () ->
                            store.eraseUser(ListScope.MAINTENANCE, target.tenant, user, step()))));
  }
}
