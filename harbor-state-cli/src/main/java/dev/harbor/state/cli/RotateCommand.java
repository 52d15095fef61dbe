package dev.harbor.state.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code rotate}: starts a new key version for a tenant. */
@Command(
    name = "rotate",
    description =
        "Start a new key version for a tenant in --keyring: new writes are sealed with it, older"
            + " payloads stay readable ('rekey' re-seals them).",
    footer = {
      "",
      "Examples:",
      "  harbor-state rotate --tenant acme --keyring /var/lib/app/keyring --kek-file kek.json"
    })
final class RotateCommand extends StoreCommand {

  @Mixin TenantOption target;

  @Override
  int run() {
    keys().rotate(target.tenant);
    io().out().println("rotated " + target.tenant);
    return ExitCodes.OK;
  }
}
