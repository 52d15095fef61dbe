package dev.harbor.state.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code harbor-state} command: the store from a terminal. Every subcommand is one class listed
 * in {@code subcommands} below; adding one is adding a class there.
 */
@Command(
    name = "harbor-state",
    mixinStandardHelpOptions = true,
    version = "harbor-state 0.1.0",
    sortOptions = false,
    description = {
      "A durable, tenant-isolated state store, from the command line.",
      "The store is --store LOCATION, else $HARBOR_STATE_STORE, else sqlite:./harbor-state.db.",
      "Locations: inmem:, sqlite:PATH, sqlite::memory:, postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=S]."
    },
    subcommands = {
      PutCommand.class,
      GetCommand.class,
      GetEventCommand.class,
      RmCommand.class,
      EraseSessionCommand.class,
      EraseUserCommand.class,
      EraseTenantCommand.class,
      PurgeCommand.class,
      LsCommand.class,
      ScanCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      CopyCommand.class,
      MigrateCommand.class,
      DoctorCommand.class,
      DriversCommand.class,
      CertifyCommand.class,
      BenchCommand.class,
      DemoCommand.class,
      RotateCommand.class,
      RekeyCommand.class,
      KekCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 failure, 2 usage or invalid input, 3 not found, 4 conflict or condition failed,",
      "5 storage failure (unreachable, timed out, refused, or outcome unknown).",
      "",
      "Examples:",
      "  harbor-state demo",
      "  echo hello | harbor-state put --tenant acme --user alice --session s1 --kind note",
      "  harbor-state --store postgres://app@db:5432/app doctor",
      "  harbor-state <command> --help"
    })
public final class HarborStateCli implements Callable<Integer> {

  /** The store used when neither {@code --store} nor the environment names one. */
  static final String DEFAULT_LOCATION = "sqlite:./harbor-state.db";

  /** The environment variable that names the default store. */
  static final String STORE_ENV = "HARBOR_STATE_STORE";

  @Option(
      names = "--store",
      paramLabel = "LOCATION",
      description = "The store (default: $HARBOR_STATE_STORE, else " + DEFAULT_LOCATION + ").")
  String store;

  @Option(names = "--verbose", description = "Print stack traces of failures.")
  boolean verbose;

  @Spec CommandSpec spec;

  @Nullable Io io;

  /**
   * Runs the command and exits the JVM with its exit code.
   *
   * @param args the command line
   */
  // Built for Java 17, where a null console means no terminal; that only decides whether progress
  // is drawn.
  @SuppressWarnings("SystemConsoleNull")
  public static void main(String[] args) {
    PrintStream out =
        new PrintStream(
            new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
            false,
            StandardCharsets.UTF_8);
    PrintStream err =
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    int code = run(args, System.in, out, err, System.getenv(), System.console() != null);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * Runs the command in-process: what {@link #main} does, without exiting, over the given streams.
   *
   * @param args the command line
   * @param in standard input
   * @param out standard output
   * @param err standard error
   * @param env the environment
   * @param terminal whether progress lines may be drawn
   * @return the exit code
   */
  static int run(
      String[] args,
      InputStream in,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      boolean terminal) {
    HarborStateCli root = new HarborStateCli();
    root.io = new Io(in, out, err, env, terminal);
    CommandLine cmd = new CommandLine(root);
    cmd.setUsageHelpWidth(100);
    cmd.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cmd.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    boolean verboseArg = Arrays.asList(args).contains("--verbose");
    // Error lines echo arguments (a mistyped --stor=LOCATION, say): none shows a password.
    Scrubber scrubber = Scrubber.of(args, env);
    cmd.setParameterExceptionHandler(
        (e, a) -> {
          err.println(scrubber.scrub("harbor-state: " + e.getMessage()));
          String name = e.getCommandLine().getCommandSpec().qualifiedName();
          err.println("Try '" + name + " --help' for usage.");
          if (verboseArg) {
            printStackTrace(e, err, scrubber);
          }
          return ExitCodes.of(e);
        });
    cmd.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          Object command = commandLine.getCommand();
          boolean verbose =
              root.verbose || verboseArg || (command instanceof StoreCommand s && s.verbose);
          err.println(scrubber.scrub("harbor-state: " + describe(e)));
          if (verbose) {
            printStackTrace(e, err, scrubber);
          }
          return ExitCodes.of(e);
        });
    try {
      return cmd.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static void printStackTrace(Throwable e, PrintStream err, Scrubber scrubber) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    err.print(scrubber.scrub(trace.toString()));
  }

  /**
   * One line naming the problem: the message, which for store exceptions already names the key
   * involved.
   */
  static String describe(Throwable e) {
    String message = e.getMessage();
    if (e instanceof dev.harbor.state.StateStoreException
        || e instanceof ExitCodes.InvalidInputException
        || e instanceof ExitCodes.LocatedException
        || e instanceof ExitCodes.CommandFailedException) {
      return oneLine(message == null ? e.getClass().getSimpleName() : message);
    }
    return oneLine(e.getClass().getSimpleName() + (message == null ? "" : ": " + message));
  }

  private static String oneLine(String text) {
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }

  /** The store location in effect for commands that do not name one. */
  String location() {
    if (store != null) {
      return store;
    }
    String fromEnv = Objects.requireNonNull(io, "set by run").env().get(STORE_ENV);
    return fromEnv == null || fromEnv.isBlank() ? DEFAULT_LOCATION : fromEnv;
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "missing command; commands: " + String.join(", ", spec.subcommands().keySet()));
  }
}
