package dev.harbor.state.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SQLite under faults: a writer process killed mid-batch, a file locked by another process past
 * {@code busyTimeout}, and a full disk.
 */
class SqliteFaultsTest {

  private static final int KILLS = Integer.getInteger("harbor.reliability.batchKills", 8);

  private Path dir;

  @BeforeEach
  void createDir() throws IOException {
    dir = Files.createTempDirectory("harbor-sqlite-faults");
  }

  @AfterEach
  void deleteDir() {
    Drivers.deleteTree(dir);
  }

  @Test
  void aWriterKilledMidBatch_leavesEachBatchWholeOrAbsent() throws Exception {
    Path file = dir.resolve("batches.db");
    Random random = new Random();
    List<Integer> acknowledgedBefore = new ArrayList<>();
    for (int kill = 0; kill < KILLS; kill++) {
      List<Integer> acknowledgedThisRound = new ArrayList<>();
      Process child = child("batches", file, Integer.toString(kill * 1_000_000));
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400 + random.nextInt(800));
        String line;
        while (System.nanoTime() < until && (line = out.readLine()) != null) {
          acknowledgedThisRound.add(Integer.parseInt(line.substring("batch ".length())));
        }
        // SIGKILL by pid: Process.destroyForcibly() would also close our end of the pipe, losing
        // the last lines.
        new ProcessBuilder("kill", "-KILL", Long.toString(child.pid())).start().waitFor();
        child.waitFor(30, TimeUnit.SECONDS);
        while ((line = out.readLine()) != null) {
          acknowledgedThisRound.add(Integer.parseInt(line.substring("batch ".length())));
        }
      }
      try (StateStore store = StateStores.open("sqlite:" + file)) {
        // Every batch in the file is whole: count rows per batch (the batch is the run) in one
        // pass.
        Map<String, Integer> rowsPerBatch = new HashMap<>();
        String continuation = "";
        do {
          ScanPage page = store.scanAll(ListScope.MAINTENANCE, 1000, continuation);
          page.records().forEach(r -> rowsPerBatch.merge(r.identity().runId(), 1, Integer::sum));
          continuation = page.continuation();
        } while (!continuation.isEmpty());
        int round = kill;
        rowsPerBatch.forEach(
            (batch, rows) ->
                assertThat(rows)
                    .as("batch %s after kill %d is whole", batch, round)
                    .isEqualTo(SqliteChild.BATCH));
        // Every batch acknowledged before this kill is there with its exact content.
        for (int batch : acknowledgedThisRound) {
          for (StateRecord r : SqliteChild.batch(batch)) {
            assertThat(store.loadByEventId(r.id()).sameContent(r))
                .as("acknowledged record %s survived", r.id())
                .isTrue();
          }
        }
        acknowledgedBefore.forEach(batch -> assertThat(rowsPerBatch).containsKey("b" + batch));
        acknowledgedBefore.addAll(acknowledgedThisRound);
      }
      assertThat(integrityCheck(file)).isEqualTo("ok");
    }
    assertThat(acknowledgedBefore)
        .as("the children acknowledged batches before being killed")
        .isNotEmpty();
  }

  @Test
  void aFileLockedByAnotherProcessPastBusyTimeout_failsTransiently_andChangesNothing()
      throws Exception {
    Path file = dir.resolve("locked.db");
    try (StateStore store =
        StateStores.open("sqlite:" + file + "?busyTimeout=300ms&operationTimeout=2s")) {
      Quadruple q = new Quadruple("t", "u", "s", "");
      store.save(StateRecord.of(EventId.of("before"), q, "k", new byte[] {1}));
      Process child = child("lock", file, "0");
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        assertThat(out.readLine()).isEqualTo("locked");
        long started = System.nanoTime();
        assertThatThrownBy(
                () -> store.save(StateRecord.of(EventId.of("during"), q, "k2", new byte[] {2})))
            .isInstanceOfSatisfying(
                StorageException.class, e -> assertThat(e.isTransient()).isTrue());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      } finally {
        child.destroyForcibly();
        child.waitFor(30, TimeUnit.SECONDS);
      }
      assertThat(store.find(q, "k2")).isEmpty();
      store.save(StateRecord.of(EventId.of("after"), q, "k3", new byte[] {3}));
      assertThat(store.load(q, "k").id()).isEqualTo(EventId.of("before"));
    }
  }

  @Test
  void aFullDisk_givesAStorageException_andTheDatabaseStaysReadable() throws Exception {
    Path mount = dir.resolve("small");
    Files.createDirectories(mount);
    int rc =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString())
            .redirectErrorStream(true)
            .start()
            .waitFor();
    if (rc != 0) {
      fail(
          "the full-disk test mounts a 2 MiB tmpfs and needs root for it (mount exited "
              + rc
              + ")");
    }
    try {
      Path file = mount.resolve("full.db");
      Quadruple q = new Quadruple("t", "u", "s", "");
      List<StateRecord> written = new ArrayList<>();
      StorageException full = null;
      try (StateStore store = StateStores.open("sqlite:" + file)) {
        for (int i = 0; i < 200 && full == null; i++) {
          byte[] payload = new byte[64 * 1024];
          new Random(i).nextBytes(payload);
          StateRecord r = StateRecord.of(EventId.of("r" + i), q, "k" + i, payload);
          try {
            store.save(r);
            written.add(r);
          } catch (StorageException e) {
            full = e;
          }
        }
        assertThat(full).as("the disk filled up").isNotNull();
        assertThat(written).isNotEmpty();
        for (StateRecord r : written) {
          assertThat(store.load(q, r.kind()).bytes()).isEqualTo(r.bytes());
        }
      }
      try (StateStore reopened = StateStores.open("sqlite:" + file)) {
        for (StateRecord r : written) {
          assertThat(reopened.load(q, r.kind()).bytes()).isEqualTo(r.bytes());
        }
      }
      assertThat(integrityCheck(file)).isEqualTo("ok");
    } finally {
      new ProcessBuilder("umount", mount.toString()).start().waitFor();
    }
  }

  static Process child(String mode, Path file, String firstBatch) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            SqliteChild.class.getName(),
            mode,
            file.toString(),
            firstBatch)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static String integrityCheck(Path file) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
