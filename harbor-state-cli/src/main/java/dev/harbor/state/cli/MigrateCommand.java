package dev.harbor.state.cli;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.Locations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code migrate}: applies or verifies the schema. */
@Command(
    name = "migrate",
    description =
        "Bring the store's schema up to date (the driver's migrate=apply), or with --verify only check that "
            + "it is current without any DDL (migrate=verify; exit 5 if it is not). Any number of nodes may migrate "
            + "at once: the drivers serialize migrations. inmem has no schema.",
    footer = {
      "",
      "Examples:",
      "  harbor-state migrate",
      "  harbor-state --store postgres://app@db:5432/app?schema=harbor migrate --verify"
    })
final class MigrateCommand extends StoreCommand {

  @Option(
      names = "--verify",
      description = "Only check that the schema is current; change nothing.")
  boolean verify;

  @Override
  int run() {
    StateConfig config = StateConfig.parse(location());
    String where = Locations.redact(location());
    if (StateConfig.DEFAULT_DRIVER.equals(config.driver())) {
      io().out().println("inmem keeps no schema: nothing to migrate");
      return ExitCodes.OK;
    }
    try (StateStore store =
        StateStores.open(config.withOption("migrate", verify ? "verify" : "apply"))) {
      io().out()
          .println(
              (verify ? "schema is current: " : "schema is up to date: ")
                  + where
                  + " ("
                  + store.driverName()
                  + ")");
    }
    return ExitCodes.OK;
  }
}
