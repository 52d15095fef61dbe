package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.LogCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the SQLite driver logs: its open (driver, database, schema version) and the migrations it
 * applies at INFO, a call slower than slowOperation at WARN; never a payload.
 */
class SqliteLoggingTest {

  private static final String PAYLOAD = "payload-that-must-never-be-logged-7f3a";
  private static final Quadruple Q = new Quadruple("acme", "alice", "s1", "");

  private final Path dir = TestFiles.newDirectory("harbor-sqlite-log");

  @AfterEach
  void removeFiles() {
    TestFiles.deleteRecursively(dir);
  }

  @Test
  void open_migrations_andSlowCalls_areLogged_withoutAPayload() {
    Path file = dir.resolve("state.db");
    try (LogCapture log = new LogCapture()) {
      try (StateStore store = StateStores.open("sqlite:" + file + "?slowOperation=5ms")) {
        store.save(
            StateRecord.of(EventId.of("e1"), Q, "note", PAYLOAD.getBytes(StandardCharsets.UTF_8)));
        store.fenceIf(SlotExpectation.exact(Q, "note", EventId.of("e1")), () -> sleep(50));
        store.load(Q, "note");
      }

      assertThat(log.lines(Level.INFO))
          .anySatisfy(l -> assertThat(l).contains("applied migration").contains(file.toString()))
          .anySatisfy(
              l ->
                  assertThat(l)
                      .contains("opened the sqlite store at")
                      .contains(file.toString())
                      .contains(
                          "schema version "
                              + SqliteMigrations.shipped(file.toString()).latestVersion()));
      assertThat(log.lines(Level.WARN))
          .anySatisfy(l -> assertThat(l).contains("slow call: fenceIf").contains("slowOperation"));
      assertThat(log.lines()).isNotEmpty().noneMatch(l -> l.contains(PAYLOAD));
    }
  }

  @Test
  void slowOperationZero_turnsTheWarningOff() {
    try (LogCapture log = new LogCapture();
        StateStore store = StateStores.open("sqlite:" + dir.resolve("s.db") + "?slowOperation=0")) {
      store.save(StateRecord.of(EventId.of("e1"), Q, "note", new byte[1]));
      store.fenceIf(SlotExpectation.exact(Q, "note", EventId.of("e1")), () -> sleep(20));
      assertThat(log.lines(Level.WARN)).noneMatch(l -> l.contains("slow call"));
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
