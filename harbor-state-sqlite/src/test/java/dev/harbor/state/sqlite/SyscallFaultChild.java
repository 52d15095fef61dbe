package dev.harbor.state.sqlite;

import static dev.harbor.state.testing.BackgroundCall.awaitUntil;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.sql.GroupCommit;
import dev.harbor.state.testing.BackgroundCall;
import dev.harbor.state.testing.HeldFence;
import dev.harbor.state.testing.SyscallFault;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A store in a process of its own whose system calls the parent fails with {@code strace} ({@link
 * SyscallFault}), so that the parent can kill it afterwards as a crash would. It prints {@code
 * READY PID TID} (the thread that runs the commands), then answers one line per command read from
 * stdin:
 *
 * <ul>
 *   <li>{@code save ID KIND}: saves record ID at slot {@link #Q}/KIND; {@code OK} or {@code ERR
 *       <exception> <transient>};
 *   <li>{@code find KIND}: {@code FOUND <event id>}, {@code ABSENT} or {@code ERR …};
 *   <li>{@code group N PREFIX}: a fence holds the write lock while a first save (PREFIX-lead) waits
 *       for it and N more queue behind it, one at a time, for group commit; prints {@code QUEUED},
 *       waits for a line ({@code go}), releases the fence, and prints {@code RESULTS} and one
 *       {@code ID OK|ERR …} per save, the leader first.
 * </ul>
 */
final class SyscallFaultChild {

  static final Quadruple Q = new Quadruple("t", "u", "s", "");

  private SyscallFaultChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out),
            false,
            StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    StateConfig config = StateConfig.builder().driver("sqlite").location(args[0]).build();
    SqliteSettings settings = SqliteSettings.parse(config);
    StoreContext context =
        new StoreContext(
            "sqlite", "sqlite database " + args[0], settings.maxPayloadBytes(), Clock.systemUTC());
    SqliteStore driver = SqliteStore.open(settings, context);
    try (StateStore store = StoreCore.open(context, driver)) {
      out.println("READY " + ProcessHandle.current().pid() + " " + SyscallFault.currentThreadId());
      out.flush();
      for (String line; (line = in.readLine()) != null; ) {
        String[] c = line.split(" ");
        switch (c[0]) {
          case "save" -> out.println(outcome(() -> store.save(record(c[1], c[2]))));
          case "find" -> {
            try {
              Optional<StateRecord> found = store.find(Q, c[1]);
              out.println(found.map(r -> "FOUND " + r.id().value()).orElse("ABSENT"));
            } catch (StateStoreException e) {
              out.println(error(e));
            }
          }
          case "group" -> group(driver, store, Integer.parseInt(c[1]), c[2], in, out);
          default -> throw new IllegalArgumentException(line);
        }
        out.flush();
      }
    }
  }

  static StateRecord record(String id, String kind) {
    return StateRecord.of(EventId.of(id), Q, kind, id.getBytes(StandardCharsets.UTF_8));
  }

  private static String outcome(Runnable call) {
    try {
      call.run();
      return "OK";
    } catch (StateStoreException e) {
      return error(e);
    }
  }

  private static String error(StateStoreException e) {
    return "ERR "
        + e.getClass().getSimpleName()
        + " "
        + (e instanceof StorageException s && s.isTransient());
  }

  private static void group(
      SqliteStore driver,
      StateStore store,
      int n,
      String prefix,
      BufferedReader in,
      PrintStream out)
      throws Exception {
    GroupCommit<SqliteGroupCommit.Named> group = Objects.requireNonNull(driver.groups()).group();
    String fenceKind = prefix + "-fence";
    store.save(record(prefix + "-fenced", fenceKind));
    List<String> ids = new ArrayList<>();
    List<BackgroundCall> calls = new ArrayList<>();
    String[] outcomes = new String[n + 1]; // each written by its call's thread, read after join
    try (HeldFence fence =
        HeldFence.start(store, SlotExpectation.exact(Q, fenceKind, EventId.of(prefix + "-fenced")))
            .holding()) {
      for (int i = -1; i < n; i++) {
        String id = prefix + "-" + (i < 0 ? "lead" : Integer.toString(i));
        int before = group.queued();
        ids.add(id);
        int index = ids.size() - 1;
        BackgroundCall call =
            new BackgroundCall(() -> outcomes[index] = outcome(() -> store.save(record(id, id))));
        call.start();
        calls.add(call);
        if (i < 0) {
          awaitUntil(() -> group.leaders() == 1 && driver.database().writersWaiting() == 1);
        } else {
          awaitUntil(() -> group.queued() == before + 1);
        }
      }
      out.println("QUEUED");
      out.flush();
      in.readLine();
      fence.release();
    }
    BackgroundCall.joinAll(calls);
    out.println("RESULTS");
    for (int i = 0; i < ids.size(); i++) {
      out.println(ids.get(i) + " " + outcomes[i]);
    }
  }

  /** Starts a child on a file; its stderr goes to {@code stderr}. */
  static Process start(Path file, File stderr) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(SyscallFaultChild.class.getName());
    command.add(file.toString());
    return new ProcessBuilder(command).redirectError(stderr).start();
  }
}
