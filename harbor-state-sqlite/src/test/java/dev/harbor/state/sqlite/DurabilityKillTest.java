package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A save that returned has survived: child JVMs save in a loop on one file, printing each event id
 * after {@code save} returned, and are killed with SIGKILL at random moments, two at a time. After
 * each round the file is reopened: every printed event id loads with its exact bytes and {@code
 * PRAGMA integrity_check} is {@code ok}.
 */
class DurabilityKillTest {

  private static final int ROUNDS = 10;
  private static final int CHILDREN = 2;

  private final Path dir = TestFiles.newDirectory("harbor-sqlite-kill");
  private final Path file = dir.resolve("state.db");

  @AfterEach
  void cleanUp() {
    TestFiles.deleteRecursively(dir);
  }

  /** One child and the event ids it printed. */
  private record Child(Process process, List<String> printed, Thread reader, File stderr) {}

  @Test
  void everySaveThatReturned_survivesSigkill() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    TestFiles.open(file)
        .close(); // create the schema once, so that children race on saves, not on migrations
    List<String> allPrinted = new ArrayList<>();
    int kills = 0;
    for (int round = 0; round < ROUNDS; round++) {
      List<Child> children = new ArrayList<>();
      List<Integer> killAt = new ArrayList<>();
      for (int c = 0; c < CHILDREN; c++) {
        File stderr = dir.resolve("child-" + round + "-" + c + ".err").toFile();
        Process p = ChildProcess.start(stderr, "saver", file.toString(), "r" + round + "c" + c);
        List<String> printed = new CopyOnWriteArrayList<>();
        Thread reader =
            new Thread(
                () -> {
                  try (InputStream in = p.getInputStream()) {
                    for (String line = ChildProcess.readLine(in);
                        line != null;
                        line = ChildProcess.readLine(in)) {
                      printed.add(line);
                    }
                  } catch (java.io.IOException e) {
                    // the child died; what was printed before is what counts
                  }
                });
        reader.start();
        children.add(new Child(p, printed, reader, stderr));
        killAt.add(1 + random.nextInt(400));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      int alive = CHILDREN;
      while (alive > 0) {
        assertThat(System.nanoTime())
            .as("seed %d: children did not reach their kill points", seed)
            .isLessThan(deadline);
        alive = 0;
        for (int c = 0; c < CHILDREN; c++) {
          Child child = children.get(c);
          if (!child.process().isAlive()) {
            continue;
          }
          if (child.printed().size() >= killAt.get(c)) {
            LockSupport.parkNanos(random.nextInt(2_000_000)); // somewhere inside the next save
            child.process().destroyForcibly();
            assertThat(child.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
            kills++;
          } else {
            alive++;
          }
        }
        Thread.sleep(1);
      }
      for (Child child : children) {
        child.reader().join(20_000);
        assertThat(child.printed())
            .as(
                "seed %d: child printed nothing; stderr: %s",
                seed, MultiInstanceTest.read(child.stderr()))
            .isNotEmpty();
        assertThat(child.process().exitValue()).as("killed by SIGKILL").isEqualTo(137);
        allPrinted.addAll(child.printed());
      }
      verify(allPrinted, seed);
    }
    assertThat(kills).isGreaterThanOrEqualTo(20);
  }

  private void verify(List<String> printed, long seed) throws Exception {
    try (StateStore store = TestFiles.open(file)) {
      for (String id : printed) {
        StateRecord r = store.loadByEventId(EventId.of(id));
        assertThat(r.bytes())
            .as("seed %d: bytes of %s", seed, id)
            .isEqualTo(ChildProcess.payloadOf(id));
        assertThat(r.kind()).isEqualTo("k." + id);
      }
      assertThat(store.listKind(ListScope.MAINTENANCE, "k."))
          .hasSizeGreaterThanOrEqualTo(printed.size());
    }
    try (Connection c = TestFiles.jdbc(file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).as("seed %d", seed).isEqualTo("ok");
    }
  }
}
