package dev.harbor.state.cli;

import dev.harbor.state.StateRecord;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ls}: lists the records of one quadruple. */
@Command(
    name = "ls",
    sortOptions = false,
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

  @Option(
      names = "--prefix",
      required = true,
      paramLabel = "PREFIX",
      description = "Kind prefix (non-empty).")
  String prefix;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "At most N records, 1..1000 (default: all).")
  Integer limit;

  @Option(names = "--json", description = "One JSON object per record.")
  boolean json;

  @Override
  int run() throws Exception {
    return withStore(
        store -> {
          List<StateRecord> records =
              limit == null
                  ? store.listKindForIdentity(at.quadruple(), prefix)
                  : store.listKindForIdentity(at.quadruple(), prefix, limit);
          for (StateRecord r : records) {
            Records.print(io().out(), r, json);
          }
        });
  }
}
