package dev.harbor.state.reliability;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A client in a process of its own, for the SQLite histories: {@code FILE SEED CLIENT OPS TENANTS}.
 * It runs the calls of {@code new HistoryGenerator(SEED, TENANTS, "c" + CLIENT, …)} on its own
 * store instance of the file and prints, for each, {@code I <n> <nanos>} just before the call and
 * {@code C <n> <nanos> <outcome>} after it. The parent regenerates the calls from the seed; a call
 * invoked but never completed (the process was killed) is indeterminate.
 */
final class SqliteHistoryChild {

  private SqliteHistoryChild() {}

  public static void main(String[] args) throws Exception {
    String file = args[0];
    long seed = Long.parseLong(args[1]);
    String client = args[2];
    int ops = Integer.parseInt(args[3]);
    List<String> tenants = Arrays.asList(args[4].split(","));
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    HistoryGenerator generator =
        new HistoryGenerator(seed, tenants, "c" + client, new ArrayList<>());
    try (StateStore store = StateStores.open("sqlite:" + file)) {
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
    }
    out.println("done");
    out.flush();
  }
}
