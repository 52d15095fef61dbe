package dev.harbor.state.cli;

import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * What {@code copy} and {@code export} read: the whole store, or only a tenant and kind prefixes.
 */
final class RecordFilterOptions {

  @Option(names = "--tenant", paramLabel = "TENANT", description = "Only this tenant.")
  String tenant;

  @Option(
      names = "--prefix",
      paramLabel = "PREFIX",
      description = "Only kinds with this prefix (repeatable).")
  List<String> prefixes = new ArrayList<>();

  /** The records these options select, read in pages of the default byte budget. */
  RecordSource source(StateStore store) {
    return RecordSource.of(store, tenant, prefixes);
  }

  /** The records these options select, read in pages of about {@code budget} bytes. */
  RecordSource source(StateStore store, long budget) {
    return RecordSource.of(store, tenant, prefixes, budget);
  }
}
