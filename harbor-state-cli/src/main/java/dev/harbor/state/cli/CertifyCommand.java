package dev.harbor.state.cli;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.harbor.state.StateStore;
import dev.harbor.state.spi.Locations;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import picocli.CommandLine.Command;

/** {@code certify}: runs the conformance kit against a live location. */
@Command(
    name = "certify",
    description =
        "Run the whole conformance kit (the TCK every driver passes unchanged) against a live location, each "
            + "scenario on a fresh store it creates and removes: a new schema harbor_certify_<random> per scenario "
            + "for PostgreSQL (dropped after), a new file per scenario for SQLite (each in a temporary directory "
            + "beside the location's file, deleted after), a new store for inmem. Prints pass/fail per scenario group and "
            + "exits 0 only if every scenario passed.",
    footer = {
      "",
      "Examples:",
      "  harbor-state certify --store sqlite:./harbor-state.db",
      "  harbor-state certify --store postgres://app@db:5432/app",
      "  harbor-state certify --store inmem:"
    })
final class CertifyCommand extends StoreCommand {

  @Override
  int run() {
    PrintStream out = io().out();
    String where = Locations.redact(location());
    long start = System.nanoTime();
    GroupListener listener;
    try (CertifyTarget target = CertifyTarget.of(location())) {
      // One store up front, so an unreachable backend fails fast with its own exit code, not as N
      // failed scenarios.
      StateStore probe = target.open(Clock.systemUTC());
      probe.close();
      target.dispose(probe);
      out.println("certifying " + target.driver() + " at " + where);
      out.flush();
      listener = new GroupListener(new Progress(io(), "certify", "scenarios"));
      CertifyTck.target = target;
      try {
        LauncherDiscoveryRequest request =
            LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(CertifyTck.class))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "false")
                .build();
        LauncherFactory.create().execute(request, listener);
      } finally {
        CertifyTck.target = null;
        listener.progress.close();
      }
    }
    int total = 0;
    int passed = 0;
    for (Map.Entry<String, Group> e : listener.groups.entrySet()) {
      Group g = e.getValue();
      total += g.total;
      passed += g.passed;
      out.printf(
          "  %s  %-40s %d/%d%n",
          g.failures.isEmpty() ? "PASS" : "FAIL", e.getKey(), g.passed, g.total);
      for (String failure : g.failures) {
        out.println("        - " + failure);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (total == 0) {
      throw new ExitCodes.CommandFailedException(
          "the conformance kit ran no scenarios; nothing is certified");
    }
    if (passed != total) {
      throw new ExitCodes.CommandFailedException(
          String.format(
              "certification failed: %d of %d scenarios failed " + "(%s at %s, %.1f s)",
              total - passed, total, listener.driverOf(), where, seconds));
    }
    out.printf(
        "certified: %d/%d scenarios passed in %d groups (%.1f s)%n",
        passed, total, listener.groups.size(), seconds);
    return ExitCodes.OK;
  }

  /** Counts per scenario group: one group per {@code @Nested} class of the kit. */
  static final class Group {
    int total;
    int passed;
    final List<String> failures = new ArrayList<>();
  }

  /**
   * Collects results by group; JUnit calls it from the threads that run tests, hence the
   * synchronization.
   */
  static final class GroupListener implements TestExecutionListener {
    final Map<String, Group> groups = new LinkedHashMap<>();
    final Progress progress;

    GroupListener(Progress progress) {
      this.progress = progress;
    }

    String driverOf() {
      CertifyTarget t = CertifyTck.target;
      return t == null ? "store" : t.driver();
    }

    @Override
    public synchronized void executionSkipped(TestIdentifier id, String reason) {
      Group g = group(id);
      g.total++;
      g.failures.add(name(id) + ": skipped (" + reason + "); the kit allows no skips");
      progress.add(1);
    }

    @Override
    public synchronized void executionFinished(TestIdentifier id, TestExecutionResult result) {
      if (!id.isTest()) {
        // A container that fails (a @BeforeAll, say) fails its whole group even if no test
        // reported.
        if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL && isNestedGroup(id)) {
          Group g = group(id);
          g.total++;
          g.failures.add("(group setup): " + reason(result));
        }
        return;
      }
      Group g = group(id);
      g.total++;
      if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
        g.passed++;
      } else {
        g.failures.add(name(id) + ": " + reason(result));
      }
      progress.add(1);
    }

    private Group group(TestIdentifier id) {
      return groups.computeIfAbsent(groupName(id), k -> new Group());
    }

    private static boolean isNestedGroup(TestIdentifier id) {
      List<UniqueId.Segment> segments = UniqueId.parse(id.getUniqueId()).getSegments();
      return segments.get(segments.size() - 1).getType().equals("nested-class");
    }

    /** The innermost {@code @Nested} class's name, else the kit's own top level. */
    static String groupName(TestIdentifier id) {
      String name = "(top level)";
      for (UniqueId.Segment s : UniqueId.parse(id.getUniqueId()).getSegments()) {
        if (s.getType().equals("nested-class")) {
          name = s.getValue();
        }
      }
      return name;
    }

    private static String name(TestIdentifier id) {
      return id.getDisplayName();
    }

    private static String reason(TestExecutionResult result) {
      Optional<Throwable> t = result.getThrowable();
      String status = result.getStatus().name().toLowerCase(java.util.Locale.ROOT);
      if (t.isEmpty()) {
        return status;
      }
      String message = t.get().getMessage();
      String text =
          t.get().getClass().getSimpleName() + (message == null ? "" : ": " + message.strip());
      int nl = text.indexOf('\n');
      return (nl < 0 ? text : text.substring(0, nl) + " ...");
    }
  }
}
