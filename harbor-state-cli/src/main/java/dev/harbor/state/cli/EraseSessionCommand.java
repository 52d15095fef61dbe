package dev.harbor.state.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code erase-session}: removes everything of one session. */
@Command(
    name = "erase-session",
    description =
        "Erase a session (StateStore.deleteScope): every record of the tenant, user and session, of every run "
            + "and kind, in one atomic step. Prints the number of records removed.",
    footer = {
      "",
      "Examples:",
      "  harbor-state erase-session --tenant acme --user alice --session s1"
    })
final class EraseSessionCommand extends StoreCommand {

  @Mixin IdentityOptions id;

  @Override
  int run() throws Exception {
    return withStore(store -> io().out().println(store.deleteScope(id.identity())));
  }
}
