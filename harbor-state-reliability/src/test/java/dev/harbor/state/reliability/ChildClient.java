package dev.harbor.state.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A history client in another process ({@link SqliteHistoryChild}) on the same SQLite file, kept
 * across histories. Its calls come from the same generator as the in-process clients'; its lines
 * give their times and outcomes. {@link #kill()} sends SIGKILL: the call in flight then is
 * indeterminate, and the next history starts a new process.
 */
final class ChildClient implements AutoCloseable {

  private static final String END = "\u0000end"; // the reader's mark: the process is gone

  private final Path file;
  private final int client;
  private final int ops;
  private Process process;
  private long thread; // the kernel's id of the thread that runs the child's calls
  // The lines of the current process only: a queue per process, so that the end mark of a killed
  // one, which its reader adds whenever it sees the pipe close, never reaches its successor.
  private LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

  /**
   * A child client.
   *
   * @param file the SQLite file
   * @param client its client number in every history (after the in-process clients)
   * @param ops how many calls it makes per history
   */
  ChildClient(Path file, int client, int ops) {
    this.file = file;
    this.client = client;
    this.ops = ops;
  }

  /** This client's part in one history. */
  HistoryRecorder.Participant participant() {
    return new HistoryRecorder.Participant() {
      private long seed;
      private List<String> tenants;

      @Override
      public void start(long seed, List<String> tenants) throws Exception {
        this.seed = seed;
        this.tenants = tenants;
        run(seed, tenants);
      }

      @Override
      public List<History.Op> finish() throws Exception {
        return collect(seed, tenants);
      }
    };
  }

  private void run(long seed, List<String> tenants) throws IOException, InterruptedException {
    if (process == null || !process.isAlive()) {
      spawn();
    }
    if (!command(seed, tenants)) {
      // Killed after its last history ended, before this one began: a new process takes over.
      process.waitFor(30, TimeUnit.SECONDS);
      spawn();
      if (!command(seed, tenants)) {
        throw new IllegalStateException("the child client did not start a history");
      }
    }
  }

  /** Sends one history's command; false if the process turned out to be gone. */
  private boolean command(long seed, List<String> tenants) throws InterruptedException {
    try {
      send(seed, tenants);
    } catch (IOException e) {
      return false;
    }
    String first = lines.poll(60, TimeUnit.SECONDS);
    if (END.equals(first)) {
      return false;
    }
    if (!"ready".equals(first)) {
      throw new IllegalStateException("the child client did not start a history: " + first);
    }
    return true;
  }

  private void send(long seed, List<String> tenants) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write(
        ("run "
                + HistoryRecorder.clientSeed(seed, client)
                + " "
                + client
                + " "
                + ops
                + " "
                + String.join(",", tenants)
                + "\n")
            .getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  private void spawn() throws IOException, InterruptedException {
    LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    lines = queue;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                SqliteHistoryChild.class.getName(),
                file.toString())
            .redirectError(ProcessBuilder.Redirect.appendTo(errors().toFile()))
            .start();
    Process mine = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(mine.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                  queue.add(line);
                }
              } catch (IOException e) {
                // the process is gone; what it printed is what happened
              }
              queue.add(END);
            },
            "history-child-" + client);
    reader.setDaemon(true);
    reader.start();
    String first = lines.poll(60, TimeUnit.SECONDS);
    if (first == null || !first.startsWith("thread ")) {
      throw new IllegalStateException(
          "the child client did not start: " + first + "; it said: " + Files.readString(errors()));
    }
    thread = Long.parseLong(first.substring("thread ".length()));
  }

  /** Where the child's stderr goes, beside the database file. */
  private Path errors() {
    return file.resolveSibling("child-" + client + ".err");
  }

  /** The process id of the running child, 0 if none runs. */
  long pid() {
    return alive() ? process.pid() : 0;
  }

  /** The kernel's id of the thread that runs the child's calls (for {@code SyscallFault}). */
  long thread() {
    return thread;
  }

  /**
   * Kills the child with SIGKILL and waits until it is gone, so that its connections to the file
   * are closed (a new first opener then recovers the WAL, as after a crash); the next history
   * starts a new process.
   */
  void crash() throws IOException, InterruptedException {
    if (alive()) {
      kill();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Whether the child is running a history. */
  boolean alive() {
    return process != null && process.isAlive();
  }

  /** Kills the child with SIGKILL, as a crash or power loss would end it. */
  void kill() throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-KILL", Long.toString(process.pid())).start().waitFor();
  }

  private List<History.Op> collect(long seed, List<String> tenants) throws InterruptedException {
    Map<Integer, Long> invoked = new HashMap<>();
    Map<Integer, String[]> completed = new HashMap<>();
    while (true) {
      String line = lines.poll(5, TimeUnit.MINUTES);
      if (line == null) {
        throw new IllegalStateException("the child client did not finish its history");
      }
      if (line.equals("done") || line.equals(END)) {
        break;
      }
      String[] p = line.split(" ", 4);
      if (p[0].equals("I")) {
        invoked.put(Integer.parseInt(p[1]), Long.parseLong(p[2]));
      } else if (p[0].equals("C")) {
        completed.put(Integer.parseInt(p[1]), p);
      }
    }
    HistoryGenerator generator =
        new HistoryGenerator(
            HistoryRecorder.clientSeed(seed, client), tenants, "c" + client, new ArrayList<>());
    List<History.Op> result = new ArrayList<>();
    for (int i = 0; invoked.containsKey(i); i++) {
      History.Call call = generator.next();
      String[] c = completed.get(i);
      result.add(
          c == null
              ? new History.Op(
                  -1, client, call, invoked.get(i), Long.MAX_VALUE, new History.Unknown("killed"))
              : new History.Op(
                  -1,
                  client,
                  call,
                  invoked.get(i),
                  Long.parseLong(c[2]),
                  OutcomeCodec.decode(c[3])));
    }
    return result;
  }

  @Override
  public void close() {
    if (process != null) {
      try {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
