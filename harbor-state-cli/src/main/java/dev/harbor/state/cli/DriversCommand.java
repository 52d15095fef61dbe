package dev.harbor.state.cli;

import dev.harbor.state.StateStores;
import dev.harbor.state.spi.StoreOption;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code drivers}: the registered drivers and their options, from the drivers' own option tables.
 */
@Command(
    name = "drivers",
    description =
        "List the registered drivers and every option each accepts, with its default and meaning. "
            + "Options are given as a location's query: sqlite:./s.db?busyTimeout=5s&synchronous=FULL. The tables "
            + "come from the drivers themselves, the same source that validates options at open (and README's tables).",
    footer = {"", "Examples:", "  harbor-state drivers"})
final class DriversCommand extends StoreCommand {

  @Override
  int run() {
    PrintStream out = io().out();
    for (String driver : StateStores.registeredDrivers()) {
      out.println(driver);
      print(out, StateStores.options(driver));
      out.println();
    }
    return ExitCodes.OK;
  }

  /**
   * One row per option as a Markdown table row, which reads well in a terminal and is what README
   * shows.
   */
  static String row(StoreOption option) {
    return "| `"
        + option.name()
        + "` | `"
        + option.defaultValue()
        + "` | "
        + option.meaning()
        + " |";
  }

  private static void print(PrintStream out, List<StoreOption> options) {
    out.println("| option | default | meaning |");
    out.println("|---|---|---|");
    options.forEach(o -> out.println(row(o)));
  }
}
