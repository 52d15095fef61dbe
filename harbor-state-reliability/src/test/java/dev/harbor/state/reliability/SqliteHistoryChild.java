package dev.harbor.state.reliability;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.SyscallFault;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A client in a process of its own, for the SQLite histories: {@code FILE}; it prints {@code thread
 * TID}, the thread that runs its calls, then reads one command per history on stdin, {@code run
 * SEED CLIENT OPS TENANTS}. For each it runs the calls of {@code new HistoryGenerator(SEED,
 * TENANTS, "c" + CLIENT, …)} on its own store instance of the file and prints {@code ready}, then
 * for each call {@code I <n> <nanos>} just before it and {@code C <n> <nanos> <outcome>} after it,
 * then {@code done}. The parent regenerates the calls from the seed; a call invoked but never
 * completed (the process was killed) is indeterminate. One process serves many histories, so a long
 * run does not pay a JVM start for each.
 */
final class SqliteHistoryChild {

  private SqliteHistoryChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (StateStore store = StateStores.open("sqlite:" + args[0])) {
      // The thread that runs every call, for the storage fault layer (SyscallFault) to trace.
      out.println("thread " + SyscallFault.currentThreadId());
      out.flush();
      for (String command; (command = in.readLine()) != null; ) {
        String[] c = command.split(" ");
        long seed = Long.parseLong(c[1]);
        String client = c[2];
        int ops = Integer.parseInt(c[3]);
        List<String> tenants = Arrays.asList(c[4].split(","));
        HistoryGenerator generator =
            new HistoryGenerator(seed, tenants, "c" + client, new ArrayList<>());
        out.println("ready");
        out.flush();
        for (int i = 0; i < ops; i++) {
          History.Call call = generator.next();
          out.println("I " + i + " " + System.nanoTime());
          out.flush();
          History.Outcome outcome = History.Outcome.of(call, store);
          long completed = System.nanoTime();
          out.println("C " + i + " " + completed + " " + OutcomeCodec.encode(outcome));
          out.flush();
        }
        out.println("done");
        out.flush();
      }
    }
  }
}
