package dev.harbor.state.cli;

import dev.harbor.state.StateStore;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * What {@code copy}, {@code export} and {@code doctor} read: the whole store, or only a tenant and
 * kind prefixes.
 */
final class RecordFilterOptions {

  @Option(names = "--tenant", paramLabel = "TENANT", description = "Only this tenant.")
  String tenant;

  @Option(
      names = "--prefix",
      paramLabel = "PREFIX",
      description = "Only kinds with this prefix (repeatable).")
  List<String> prefixes = new ArrayList<>();

  /** What these options select, for a report line: empty for the whole store. */
  String describe() {
    return (tenant == null ? "" : " in tenant " + tenant)
        + (prefixes.isEmpty() ? "" : " with kind prefixes " + prefixes);
  }

  /**
   * The records these options select, read from one snapshot in pages of the default byte budget; a
   * warning goes to {@code err} if the store offers no snapshot.
   */
  RecordSource source(StateStore store, PrintStream err) {
    return RecordSource.of(store, tenant, prefixes).warningTo(warnTo(err));
  }

  /** As {@link #source(StateStore, PrintStream)}, in pages of about {@code budget} bytes. */
  RecordSource source(StateStore store, long budget, PrintStream err) {
    return RecordSource.of(store, tenant, prefixes, budget).warningTo(warnTo(err));
  }

  private static Consumer<String> warnTo(PrintStream err) {
    return warning -> err.println("harbor-state: warning: " + warning);
  }
}
