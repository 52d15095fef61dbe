package dev.harbor.state.cli;

import dev.harbor.state.crypto.PayloadEncryption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code rekey}: re-seals a tenant's payloads under its current key version. */
@Command(
    name = "rekey",
    description =
        "Re-seal every payload of a tenant that is not under the tenant's current key version (after"
            + " 'rotate'), one record at a time, each an atomic saveIf expecting the record it read: a"
            + " concurrent writer is never overwritten. A re-sealed record keeps its slot, version,"
            + " payload and timestamp and gets a new event id. Needs --keyring. Prints the count.",
    footer = {
      "",
      "Examples:",
      "  harbor-state rekey --tenant acme --keyring /var/lib/app/keyring --kek-file kek.json"
    })
final class RekeyCommand extends StoreCommand {

  @Mixin TenantOption target;

  @Override
  int run() throws Exception {
    return withInnerStore(
        store -> io().out().println(PayloadEncryption.rekey(store, keys(), target.tenant)));
  }
}
