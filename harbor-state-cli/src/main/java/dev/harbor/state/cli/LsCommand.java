package dev.harbor.state.cli;

import dev.harbor.state.StateRecord;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ls}: lists the records of one quadruple. */
@Command(
    name = "ls",
    description =
        "List the records at exactly one tenant/user/session/run whose kind starts with --prefix "
            + "(StateStore.listKindForIdentity), ordered by kind. The empty run matches only the empty run. "
            + "Prefixes are literal: %% _ \\ * ? match themselves.",
    footer = {
      "",
      "Examples:",
      "  harbor-state ls --tenant acme --user alice --session s1 --prefix task.",
      "  harbor-state ls --tenant acme --user alice --session s1 --run r7 --prefix task. --limit 10 --json"
    })
final class LsCommand extends StoreCommand {

  @Mixin QuadrupleOptions at;

  @Mixin KindPrefixOption kinds;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "At most N records, 1..1000 (default: all).")
  Integer limit;

  @Mixin OutputOptions output;

  @Override
  int run() throws Exception {
    return withStore(
        store -> {
          List<StateRecord> records =
              limit == null
                  ? store.listKindForIdentity(at.quadruple(), kinds.prefix)
                  : store.listKindForIdentity(at.quadruple(), kinds.prefix, limit);
          records.forEach(r -> output.print(io().out(), r));
        });
  }
}
