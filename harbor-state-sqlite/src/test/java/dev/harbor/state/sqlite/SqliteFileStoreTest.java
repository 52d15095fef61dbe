package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The driver's behaviour tests on a file, plus what only a file can show: reopening, WAL, readers
 * during a write.
 */
class SqliteFileStoreTest extends SqliteStoreTestBase {

  private final Path dir = TestFiles.newDirectory("harbor-sqlite-test");
  private final Path file = dir.resolve("state.db");

  @Override
  StateStore open(Map<String, String> options) {
    return openConfig(file.toString(), options);
  }

  @Override
  void cleanUp() {
    TestFiles.deleteRecursively(dir);
  }

  @Test
  void closeAndReopen_keepsEverything() {
    List<StateRecord> saved = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      StateRecord r =
          StateRecord.builder()
              .id("e" + i)
              .identity(Q)
              .kind("k" + i)
              .version(i)
              .bytes(("payload-" + i).getBytes())
              .updatedAt(Instant.parse("2024-05-06T07:08:09.123456Z").plusNanos(i * 1000L))
              .build();
      store.save(r);
      saved.add(r);
    }
    store.close();
    store = open(Map.of());
    assertThat(store.listKindForIdentity(Q, "k")).containsExactlyInAnyOrderElementsOf(saved);
    assertThat(store.loadByEventId(EventId.of("e7"))).isEqualTo(saved.get(7));
  }

  @Test
  void file_runsInWalMode_withSynchronousFull() throws Exception {
    store.save(rec("e1", Q, "k", "a"));
    try (Connection c = TestFiles.jdbc(file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("wal");
    }
    assertThat(SqliteSettings.SYNCHRONOUS.defaultValue()).isEqualTo("FULL");
  }

  @Test
  void readers_areNotQueuedBehindTheWriter() throws Exception {
    store.save(rec("e1", Q, "k", "a"));
    CountDownLatch inFence = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> fence =
          pool.submit(
              () ->
                  store.fenceIf(
                      SlotExpectation.exact(Q, "k", EventId.of("e1")),
                      () -> {
                        inFence.countDown();
                        await(release);
                      }));
      assertThat(inFence.await(10, TimeUnit.SECONDS)).isTrue();
      // The write transaction is open: reads on other connections still complete.
      Future<String> read =
          pool.submit(
              () ->
                  store.load(Q, "k").id().value()
                      + store.listKind(ListScope.MAINTENANCE, "k").size());
      assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("e11");
      release.countDown();
      fence.get(10, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void close_leavesNoThreadBehind() {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    StateStore other = open(Map.of());
    other.save(rec("e1", Q, "k", "a"));
    other.find(Q, "k");
    other.close();
    Set<String> added =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> !before.contains(t))
            .filter(Thread::isAlive)
            .map(Thread::getName)
            .collect(Collectors.toSet());
    assertThat(added).isEmpty();
  }
}
