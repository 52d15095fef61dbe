package dev.harbor.state.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A history client in another process ({@link SqliteHistoryChild}) on the same SQLite file. Its
 * calls come from the same generator as the in-process clients'; its lines give their times and
 * outcomes. {@link #kill()} sends SIGKILL: the call in flight then is indeterminate.
 */
final class ChildClient implements HistoryRecorder.Participant {

  private final Path file;
  private final int client;
  private final int ops;
  private Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final CountDownLatch ready = new CountDownLatch(1);
  private Thread reader;
  private long seed;
  private List<String> tenants;
  private volatile boolean killed;

  /**
   * A child client.
   *
   * @param file the SQLite file
   * @param client its client number in the history (after the in-process clients)
   * @param ops how many calls it makes
   */
  ChildClient(Path file, int client, int ops) {
    this.file = file;
    this.client = client;
    this.ops = ops;
  }

  @Override
  public void start(long seed, List<String> tenants) throws IOException, InterruptedException {
    this.seed = seed;
    this.tenants = tenants;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                SqliteHistoryChild.class.getName(),
                file.toString(),
                Long.toString(HistoryRecorder.clientSeed(seed, client)),
                Integer.toString(client),
                Integer.toString(ops),
                String.join(",", tenants))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    reader = new Thread(this::read, "history-child-" + client);
    reader.setDaemon(true);
    reader.start();
    if (!ready.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the child client never opened its store");
    }
  }

  private void read() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.equals("ready")) {
          ready.countDown();
        } else {
          lines.add(line);
        }
      }
    } catch (IOException e) {
      // the process is gone; what it printed is what happened
    }
  }

  /** Whether the child still runs. */
  boolean alive() {
    return process != null && process.isAlive();
  }

  /** Kills the child with SIGKILL, as a crash or power loss would end it. */
  void kill() throws IOException, InterruptedException {
    killed = true;
    new ProcessBuilder("kill", "-KILL", Long.toString(process.pid())).start().waitFor();
  }

  @Override
  public List<History.Op> finish() throws Exception {
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException("the child client did not finish");
    }
    reader.join(TimeUnit.SECONDS.toMillis(30));
    if (!killed && process.exitValue() != 0) {
      throw new IllegalStateException("the child client failed: exit " + process.exitValue());
    }
    HistoryGenerator generator =
        new HistoryGenerator(
            HistoryRecorder.clientSeed(seed, client), tenants, "c" + client, new ArrayList<>());
    Map<Integer, Long> invoked = new HashMap<>();
    Map<Integer, String[]> completed = new HashMap<>();
    for (String line : lines) {
      String[] p = line.split(" ", 4);
      if (p[0].equals("I")) {
        invoked.put(Integer.parseInt(p[1]), Long.parseLong(p[2]));
      } else if (p[0].equals("C")) {
        completed.put(Integer.parseInt(p[1]), p);
      }
    }
    List<History.Op> result = new ArrayList<>();
    for (int i = 0; invoked.containsKey(i); i++) {
      History.Call call = generator.next();
      String[] c = completed.get(i);
      result.add(
          c == null
              ? new History.Op(
                  -1,
                  client,
                  call,
                  invoked.get(i),
                  Long.MAX_VALUE,
                  new History.Unknown("process killed"))
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
}
