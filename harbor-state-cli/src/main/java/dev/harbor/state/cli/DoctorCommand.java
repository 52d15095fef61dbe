package dev.harbor.state.cli;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.Locations;
import java.io.IOException;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code doctor}: is the store usable? */
@Command(
    name = "doctor",
    description =
        "Check the store: the registered drivers, the location's driver, connectivity (with timing), whether "
            + "the schema is current (opened with migrate=verify: no DDL), and the record count (counted like "
            + "export, in one snapshot; --prefix and --tenant narrow it, --no-count skips it).",
    footer = {
      "",
      "Examples:",
      "  harbor-state doctor",
      "  harbor-state --store postgres://app@db:5432/app doctor --no-count"
    })
final class DoctorCommand extends StoreCommand {

  @Option(names = "--no-count", description = "Skip counting records.")
  boolean noCount;

  @Mixin RecordFilterOptions filter;

  @Override
  int run() throws IOException {
    PrintStream out = io().out();
    out.println("store     " + Locations.redact(location()));
    out.println("drivers   " + String.join(", ", StateStores.registeredDrivers()));
    StateConfig config = StateConfig.parse(location());
    out.println("driver    " + config.driver());
    boolean hasSchema = !StateConfig.DEFAULT_DRIVER.equals(config.driver());
    if (hasSchema) {
      config = config.withOption("migrate", "verify");
    }
    long start = System.nanoTime();
    StateStore store;
    try {
      store = StateStores.open(config);
    } catch (RuntimeException e) {
      out.println("connect   FAILED (or schema not current; 'harbor-state migrate' applies it)");
      throw e;
    }
    try (store) {
      out.printf("connect   ok in %d ms%n", (System.nanoTime() - start) / 1_000_000);
      out.println(
          "schema    " + (hasSchema ? "current (verified without DDL)" : "none (in-memory)"));
      if (!noCount) {
        long[] count = {0};
        filter.source(store, io().err()).forEach(r -> count[0]++);
        out.println("records   " + count[0] + filter.describe());
      }
    }
    out.println("ok");
    return ExitCodes.OK;
  }
}
