package dev.harbor.state.reliability;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * SQLite histories: two store instances in this process and a client in another process on one
 * file. Faults: the other process is killed with SIGKILL mid-run in half the histories, a third
 * process now and then holds the file locked past the stores' busyTimeout, and client threads are
 * interrupted.
 */
class SqliteLinearizabilityTest extends LinearizabilityProperties {
  // The client process lives across histories; one killed mid-history is replaced by a new one.

  @Override
  Nodes open() throws Exception {
    Path dir = Files.createTempDirectory("harbor-linearizability");
    Path file = dir.resolve("state.db");
    String location = "sqlite:" + file + "?busyTimeout=250ms";
    StateStore a = StateStores.open(location);
    StateStore b = StateStores.open(location);
    ChildClient child = new ChildClient(file, CLIENTS, OPS_PER_CLIENT * 2);
    return new Nodes() {
      private boolean killThisOne;
      private Process locker;
      private long lockedUntil;

      @Override
      public List<StateStore> stores() {
        return List.of(a, b);
      }

      @Override
      public List<HistoryRecorder.Participant> participants(int history) {
        killThisOne = history % 2 == 1;
        return List.of(child.participant());
      }

      @Override
      public HistoryRecorder.Fault fault() {
        return () -> {
          int faults = 0;
          ThreadLocalRandom random = ThreadLocalRandom.current();
          if (killThisOne && child.alive() && random.nextInt(100) < 3) {
            child.kill();
            killThisOne = false;
            faults++;
          }
          if (locker != null && System.nanoTime() - lockedUntil > 0) {
            locker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            locker = null;
          } else if (locker == null && random.nextInt(1000) < 5) {
            locker = SqliteFaultsTest.child("lock", file, "0");
            lockedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
            faults++;
          }
          return faults;
        };
      }

      @Override
      public void close() throws Exception {
        if (locker != null) {
          locker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        child.close();
        a.close();
        b.close();
        Drivers.deleteTree(dir);
      }
    };
  }
}
