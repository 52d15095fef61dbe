package dev.harbor.state.sqlite;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM working on the same database file, for the multi-process and crash tests: the parent
 * starts it with {@link #start}, talks to it over stdin and stdout, and may kill it.
 */
final class ChildProcess {

  static final Quadruple FENCED = new Quadruple("t", "u", "s", "");

  private ChildProcess() {}

  /**
   * Runs one role.
   *
   * <ul>
   *   <li>{@code saver FILE TAG}: saves records forever, printing each event id after {@code save}
   *       returned;
   *   <li>{@code fence FILE EVENT_ID}: fences slot {@link #FENCED}/{@code k} on EVENT_ID, prints
   *       {@code FENCED}, holds the fence until a line arrives on stdin, then prints {@code
   *       RELEASED};
   *   <li>{@code saveIf FILE EVENT_ID THREADS}: prints {@code READY}, waits for a line on stdin,
   *       then runs THREADS concurrent saveIf calls expecting EVENT_ID at {@link #FENCED}/{@code k}
   *       and prints {@code RESULT wins conditionFailed otherErrors} followed by one line per other
   *       error.
   * </ul>
   */
  public static void main(String[] args) throws Exception {
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out),
            false,
            StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Path file = Path.of(args[1]);
    try (StateStore store = TestFiles.open(file)) {
      switch (args[0]) {
        case "saver" -> saver(store, args[2], out);
        case "fence" -> {
          store.fenceIf(
              SlotExpectation.exact(FENCED, "k", EventId.of(args[2])),
              () -> {
                out.println("FENCED");
                out.flush();
                try {
                  in.readLine();
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
          out.println("RELEASED");
          out.flush();
        }
        case "saveIf" -> {
          out.println("READY");
          out.flush();
          in.readLine();
          Outcomes o = raceSaveIf(store, EventId.of(args[2]), Integer.parseInt(args[3]), "child-");
          out.println("RESULT " + o.wins + " " + o.conditionFailed + " " + o.others.size());
          o.others.forEach(out::println);
          out.flush();
        }
        default -> throw new IllegalArgumentException(args[0]);
      }
    }
  }

  private static void saver(StateStore store, String tag, PrintStream out) {
    for (long i = 0; ; i++) {
      EventId id = EventId.of(tag + "-" + EventId.newId().value());
      store.save(
          StateRecord.of(
              id,
              new Quadruple("t", "u", "s" + (i % 8), ""),
              "k." + id.value(),
              payloadOf(id.value())));
      out.print(id.value() + "\n");
      out.flush();
    }
  }

  /** Outcomes of a saveIf race. */
  static final class Outcomes {
    int wins;
    int conditionFailed;
    final List<String> others = new ArrayList<>();
  }

  /**
   * {@code threads} concurrent saveIf calls, all expecting {@code expected} at {@link
   * #FENCED}/{@code k}.
   */
  static Outcomes raceSaveIf(StateStore store, EventId expected, int threads, String idPrefix)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Throwable>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      String id = idPrefix + i;
      results.add(
          pool.submit(
              () -> {
                start.await();
                try {
                  store.saveIf(
                      List.of(SlotExpectation.exact(FENCED, "k", expected)),
                      StateRecord.of(
                          EventId.of(id), FENCED, "k", id.getBytes(StandardCharsets.UTF_8)));
                  return null;
                } catch (Throwable t) {
                  return t;
                }
              }));
    }
    start.countDown();
    Outcomes o = new Outcomes();
    for (Future<Throwable> f : results) {
      Throwable t = f.get(120, TimeUnit.SECONDS);
      if (t == null) {
        o.wins++;
      } else if (t instanceof ConditionFailedException) {
        o.conditionFailed++;
      } else {
        o.others.add(t.toString().replace('\n', ' '));
      }
    }
    pool.shutdown();
    return o;
  }

  /**
   * The payload a saver writes for an event id: derived from it, of varying length, so the parent
   * can check it.
   */
  static byte[] payloadOf(String id) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      int length = (digest[0] & 0xFF) * 16;
      ByteArrayOutputStream out = new ByteArrayOutputStream(length);
      for (int i = 0; i < length; i++) {
        out.write(digest[i % digest.length] ^ i);
      }
      return out.toByteArray();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts a child JVM with this test class path; its stderr goes to {@code stderr}. */
  static Process start(File stderr, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ChildProcess.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(stderr).start();
  }

  /**
   * Reads one line of a child's stdout; {@code null} at end of stream. Only lines ended by a
   * newline count.
   */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
    return null; // an unterminated last line is dropped: the child died while printing it
  }

  static void send(Process p, String line) throws IOException {
    OutputStream stdin = p.getOutputStream();
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }
}
