package dev.harbor.state.cli;

import dev.harbor.state.cli.bench.BenchBackend;
import dev.harbor.state.cli.bench.BenchPlan;
import dev.harbor.state.cli.bench.BenchReport;
import dev.harbor.state.cli.bench.BenchResult;
import dev.harbor.state.cli.bench.ChatBench;
import dev.harbor.state.cli.bench.RetentionBench;
import dev.harbor.state.crypto.PayloadEncryption;
import dev.harbor.state.crypto.TenantKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: throughput and latency of the store's workloads beside the bare backend, measured
 * in one run.
 */
@Command(
    name = "bench",
    description =
        "Measure the store's throughput and latency (p50, p99, p99.9) for the workloads save (a new event id"
            + " each time, over --slots slots), load, saveAll (batches of 100), saveIf (every thread racing on one hot"
            + " slot; lost races are expected, any other error fails the bench) and mixed (an agent session: saveIf,"
            + " 3 saves, load, list, erase), at each thread count and payload size, beside a baseline measured in the same"
            + " run: inmem - a bare ConcurrentHashMap; sqlite - a bare sqlite-jdbc loop with the store's pragmas and"
            + " durability; postgres - a bare JDBC loop on a pool of the store's size, and pgbench (if on the PATH) with"
            + " the statements of the shared pgbench baseline. Never touches the store's data: the store and the baseline"
            + " each work in a fresh schema harbor_bench_<random> (PostgreSQL, dropped after) or a temporary directory"
            + " beside the SQLite file (deleted after). Workload chat (PostgreSQL, not in the default): Spring AI's"
            + " MessageWindowChatMemory (window 20) over our repository and over Spring AI's JdbcChatMemoryRepository,"
            + " two nodes each, per --conversations count: appends/s, latency and acknowledged messages lost."
            + " Exits 1 if any run had an unexpected error.",
    footer = {
      "",
      "Examples:",
      "  harbor-state bench --store postgres://app@db:5432/app",
      "  harbor-state bench --store sqlite:./harbor-state.db --threads 1,4 --seconds 3 --payload 32",
      "  harbor-state bench --store inmem: --workloads save,load --csv bench.csv",
      "  harbor-state bench --store postgres://app@db:5432/app --workloads chat --threads 1,8 --payload 32",
      "  harbor-state bench --store sqlite:./bench.db --purge 1000000 --purge-steps 250,1000 --threads 4"
    })
final class BenchCommand extends StoreCommand {

  @Option(
      names = "--threads",
      split = ",",
      paramLabel = "N[,N...]",
      defaultValue = "1,4,16",
      description = "Thread counts (default: ${DEFAULT-VALUE}).")
  List<Integer> threads;

  @Option(
      names = "--seconds",
      paramLabel = "S",
      defaultValue = "5",
      description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(
      names = "--warmup",
      paramLabel = "S",
      defaultValue = "1",
      description = "Warmup seconds before each measured run (default: ${DEFAULT-VALUE}).")
  double warmup;

  @Option(
      names = "--payload",
      split = ",",
      paramLabel = "BYTES[,BYTES...]",
      defaultValue = "32,16384",
      description = "Payload sizes in bytes (default: ${DEFAULT-VALUE}).")
  List<Integer> payloads;

  @Option(
      names = "--workloads",
      split = ",",
      paramLabel = "W[,W...]",
      defaultValue = "save,load,saveAll,saveIf,mixed",
      description = "Workloads (default: ${DEFAULT-VALUE}).")
  List<String> workloads;

  @Option(
      names = "--conversations",
      split = ",",
      paramLabel = "N[,N...]",
      defaultValue = "1,100",
      description = "Conversations the chat workload spreads over (default: ${DEFAULT-VALUE}).")
  List<Integer> conversations;

  @Option(
      names = "--slots",
      paramLabel = "N",
      defaultValue = "100000",
      description =
          "Slots that save and saveAll spread over and load reads (default: 100000; at most 64 MiB of "
              + "payload, so 4096 slots of 16 KiB).")
  int slots;

  @Option(
      names = "--purge",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Instead of the workloads, measure retention: for each --purge-steps size, purge N old records "
              + "while the first --threads count of savers saves other records, in half-second purge windows "
              + "alternating with idle ones (at least --seconds of them), and compare the saves' p99 in both "
              + "(default: 0, off).")
  long purge;

  @Option(
      names = "--purge-steps",
      split = ",",
      paramLabel = "K[,K...]",
      defaultValue = "1000",
      description = "Records per purge call, each 1..10000 (default: ${DEFAULT-VALUE}).")
  List<Integer> purgeSteps;

  @Option(names = "--no-baseline", description = "Measure the store only.")
  boolean noBaseline;

  @Option(names = "--no-pgbench", description = "Skip pgbench even if it is on the PATH.")
  boolean noPgbench;

  @Option(
      names = "--csv",
      paramLabel = "FILE",
      description = "Also write every result to this CSV file.")
  Path csv;

  @Override
  int run() throws IOException, InterruptedException {
    if (purge > 0) {
      return retention();
    }
    BenchPlan plan = plan();
    PrintStream out = io().out();
    List<BenchResult> results;
    List<ChatBench.Result> chat = new ArrayList<>();
    try (BenchBackend backend = BenchBackend.open(location())) {
      if (keyring != null) {
        TenantKeys sealing = keys();
        backend.sealWith(inner -> PayloadEncryption.wrap(inner, sealing));
      }
      // Open the store first, so an unreachable or misconfigured store fails fast with its own
      // exit code.
      backend.store();
      if (workloads.contains(ChatBench.WORKLOAD)) {
        ChatBench.check(backend);
      }
      out.println("bench " + backend.summary());
      out.printf(
          Locale.ROOT,
          "%d cores, %.1f s per run after %.1f s warmup, %d slots%n",
          Runtime.getRuntime().availableProcessors(),
          seconds,
          warmup,
          slots);
      out.flush();
      Status status = new Status(io());
      try {
        results = plan.workloads().isEmpty() ? List.of() : backend.run(plan, io().env(), status);
        if (workloads.contains(ChatBench.WORKLOAD)) {
          chat = ChatBench.run(backend, plan, conversations.stream().distinct().toList(), status);
        }
      } finally {
        status.close();
      }
    }
    out.println();
    if (!results.isEmpty()) {
      BenchReport.table(out, results);
    }
    if (keyring != null && !results.isEmpty()) {
      printSealedRatios(out, results);
    }
    if (csv != null) {
      BenchReport.csv(csv, results);
    }
    if (!chat.isEmpty()) {
      out.println();
      ChatBench.table(out, chat);
    }
    long errors =
        results.stream().mapToLong(BenchResult::errors).sum()
            + chat.stream().mapToLong(ChatBench.Result::errors).sum();
    if (errors > 0) {
      throw new ExitCodes.CommandFailedException(
          "bench saw " + errors + " unexpected errors (see the table notes)");
    }
    return ExitCodes.OK;
  }

  /**
   * With {@code --keyring}: the sealed store's throughput over the plain store's, per workload,
   * payload and thread count (the table's ratio column is store over target, the other way round).
   */
  private static void printSealedRatios(PrintStream out, List<BenchResult> results) {
    out.println();
    out.println("sealed / store throughput (payload encryption, side by side in this run):");
    for (BenchResult s : results) {
      if (!s.isStore()) {
        continue;
      }
      for (BenchResult e : results) {
        if ("sealed".equals(e.target())
            && e.workload().equals(s.workload())
            && e.payload() == s.payload()
            && e.threads() == s.threads()
            && s.opsPerSecond() > 0) {
          out.printf(
              Locale.ROOT,
              "  %-8s %7d B %3d threads  %.2f%n",
              s.workload(),
              s.payload(),
              s.threads(),
              e.opsPerSecond() / s.opsPerSecond());
        }
      }
    }
  }

  /** {@code --purge}: the retention measurement. */
  private int retention() throws InterruptedException {
    if (purgeSteps.isEmpty() || purgeSteps.stream().anyMatch(k -> k < 1 || k > 10_000)) {
      throw new ExitCodes.InvalidInputException(
          "--purge-steps must list sizes between 1 and 10000");
    }
    plan(); // the shared options' checks
    PrintStream out = io().out();
    List<RetentionBench.Result> results;
    try (BenchBackend backend = BenchBackend.open(location())) {
      out.println("bench retention " + backend.summary());
      out.printf(
          Locale.ROOT,
          "%d cores, %d old records per step size, %d saver threads, at least %.1f s of idle windows%n",
          Runtime.getRuntime().availableProcessors(),
          purge,
          threads.get(0),
          seconds);
      out.flush();
      Status status = new Status(io());
      try {
        results =
            new RetentionBench(backend.store(), backend.driver(), threads.get(0), seconds, status)
                .run(purge, purgeSteps);
      } finally {
        status.close();
      }
    }
    out.println();
    RetentionBench.table(out, results);
    long errors = results.stream().mapToLong(RetentionBench.Result::errors).sum();
    if (errors > 0) {
      throw new ExitCodes.CommandFailedException("retention bench saw " + errors + " failed saves");
    }
    return ExitCodes.OK;
  }

  private BenchPlan plan() {
    if (threads.isEmpty() || threads.stream().anyMatch(t -> t < 1 || t > 1024)) {
      throw new ExitCodes.InvalidInputException("--threads must list counts between 1 and 1024");
    }
    if (!(seconds > 0) || seconds > 3600 || !(warmup >= 0) || warmup > 3600) {
      throw new ExitCodes.InvalidInputException(
          "--seconds must be in (0, 3600] and --warmup in [0, 3600]");
    }
    if (payloads.isEmpty() || payloads.stream().anyMatch(p -> p < 0 || p > (16 << 20))) {
      throw new ExitCodes.InvalidInputException(
          "--payload sizes must be between 0 and 16777216 bytes");
    }
    for (String w : workloads) {
      if (!BenchPlan.WORKLOADS.contains(w) && !ChatBench.WORKLOAD.equals(w)) {
        throw new ExitCodes.InvalidInputException(
            "unknown workload '"
                + w
                + "'; workloads: "
                + String.join(", ", BenchPlan.WORKLOADS)
                + ", "
                + ChatBench.WORKLOAD);
      }
    }
    if (conversations.isEmpty() || conversations.stream().anyMatch(c -> c < 1 || c > 100_000)) {
      throw new ExitCodes.InvalidInputException(
          "--conversations must list counts between 1 and 100000");
    }
    if (slots < BenchPlan.BATCH) {
      throw new ExitCodes.InvalidInputException("--slots must be at least " + BenchPlan.BATCH);
    }
    List<String> ordered = BenchPlan.WORKLOADS.stream().filter(workloads::contains).toList();
    return new BenchPlan(
        ordered,
        threads.stream().distinct().toList(),
        payloads.stream().distinct().toList(),
        (long) (warmup * 1e9),
        (long) (seconds * 1e9),
        slots,
        !noBaseline,
        !noBaseline && !noPgbench);
  }

  /** One status line on a terminal: which run of how many. Silent otherwise. */
  static final class Status implements Consumer<String> {
    private final PrintStream err;
    private final boolean enabled;
    private boolean shown;

    Status(Io io) {
      this.err = io.err();
      this.enabled = io.terminal();
    }

    @Override
    public void accept(String step) {
      if (enabled) {
        err.printf("\rbench %-70s", step);
        err.flush();
        shown = true;
      }
    }

    void close() {
      if (shown) {
        err.printf("\r%-80s\r", "");
        err.flush();
      }
    }
  }
}
