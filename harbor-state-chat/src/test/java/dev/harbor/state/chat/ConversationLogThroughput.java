package dev.harbor.state.chat;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A repeatable single-threaded measurement of {@link ConversationLog}'s reads and appends on each
 * driver, for the record of a change's cost (docs/PERFORMANCE.md); not a test, asserts nothing.
 *
 * <pre>
 * mvn -B -ntp -q -pl harbor-state-chat -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/chat.cp
 * java -cp harbor-state-chat/target/test-classes:harbor-state-chat/target/classes:$(cat /tmp/chat.cp) \
 *     dev.harbor.state.chat.ConversationLogThroughput [seconds per row, default 3] [inmem,sqlite,postgres]
 * </pre>
 */
public final class ConversationLogThroughput {

  private static final String PAYLOAD = "x".repeat(200);
  private static final int UNBOUNDED = 2_000;

  private ConversationLogThroughput() {}

  /**
   * Runs every row on every named driver and prints operations per second.
   *
   * @param args seconds per row, then a comma-separated list of drivers
   * @throws Exception if a store cannot be opened
   */
  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    List<String> drivers =
        List.of((args.length > 1 ? args[1] : "inmem,sqlite,postgres").split(","));
    System.out.printf(Locale.ROOT, "%-9s %-44s %12s%n", "driver", "row", "ops/s");
    for (String driver : drivers) {
      switch (driver) {
        case "inmem" -> {
          try (StateStore store = StateStores.open("inmem:")) {
            rows(driver, store, seconds);
          }
        }
        case "sqlite" -> {
          Path dir = Files.createTempDirectory("chat-throughput");
          try (StateStore store = StateStores.open("sqlite:" + dir.resolve("chat.db"))) {
            rows(driver, store, seconds);
          }
        }
        case "postgres" -> {
          try (ScratchLocation scratch = TestPostgres.scratch();
              StateStore store = StateStores.open(scratch.location())) {
            rows(driver, store, seconds);
          }
        }
        default -> throw new IllegalArgumentException("unknown driver " + driver);
      }
    }
  }

  private static void rows(String driver, StateStore store, double seconds) {
    ConversationLog<String> log = new ConversationLog<>(store, "acme", ConversationLogTest.TEXT);
    int[] counter = {0};
    row(
        driver,
        "append through a window of 20",
        seconds,
        () -> ConversationLogTest.windowAdd(log, "w", 20, PAYLOAD + counter[0]++));
    fill(log, "r20", 20);
    row(driver, "read of 20 messages, unchanged", seconds, () -> log.read("r20"));
    fill(log, "r500", 500);
    row(driver, "read of 500 messages, unchanged", seconds, () -> log.read("r500"));
    ConversationLog<String> other = new ConversationLog<>(store, "acme", ConversationLogTest.TEXT);
    row(
        driver,
        "read of 20 after another instance appended",
        seconds,
        () -> {
          ConversationLogTest.windowAdd(other, "w", 20, PAYLOAD + counter[0]++);
          log.read("w");
        });
    // A fixed count, so that every run reads conversations of the same lengths.
    long start = System.nanoTime();
    for (int i = 0; i < UNBOUNDED; i++) {
      ConversationLogTest.windowAdd(log, "u", Integer.MAX_VALUE, PAYLOAD + i);
    }
    System.out.printf(
        Locale.ROOT,
        "%-9s %-44s %12.0f%n",
        driver,
        "append, unbounded, 0 to " + UNBOUNDED + " messages",
        UNBOUNDED / ((System.nanoTime() - start) / 1e9));
  }

  private static void fill(ConversationLog<String> log, String id, int messages) {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      all.add(PAYLOAD + i);
    }
    log.write(id, all);
    log.read(id);
  }

  private static void row(String driver, String name, double seconds, Runnable op) {
    long warmUpEnd = System.nanoTime() + (long) (seconds * 0.3e9);
    while (System.nanoTime() < warmUpEnd) {
      op.run();
    }
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long ops = 0;
    long now;
    do {
      op.run();
      ops++;
      now = System.nanoTime();
    } while (now < end);
    System.out.printf(
        Locale.ROOT, "%-9s %-44s %12.0f%n", driver, name, ops / ((now - start) / 1e9));
  }
}
