package dev.harbor.state.reliability;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.FaultProxy;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL histories: three store instances (three pools, as three nodes) on one schema, each
 * connected through a {@link FaultProxy} (the network). Faults: commits delivered whose answers are
 * lost while the other clients carry on, then the connection cut (issue 23); connections cut;
 * delays and stalls of either direction; the stores' backends terminated at random; the table
 * locked past operationTimeout now and then (so calls time out); client threads interrupted; and
 * with {@code -Dharbor.reliability.restartServer=true} (the long run) the server restarted about
 * every ten seconds ({@code pg_ctlcluster … restart -m fast}, so a local cluster only).
 */
class PostgresLinearizabilityTest extends LinearizabilityProperties {

  @Override
  Nodes open() throws Exception {
    String schema = TestPostgres.newSchemaName("harbor_linear");
    String app = "linear-" + schema;
    FaultProxy proxy = FaultProxy.inFrontOf(TestPostgres.url());
    List<StateStore> stores = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      stores.add(
          StateStores.open(
              StateConfig.parse(
                  proxy.location(
                      TestPostgres.location(
                          schema,
                          "applicationName=" + app,
                          "operationTimeout=1s",
                          "maxPoolSize=4")))));
    }
    boolean restarts = Boolean.getBoolean("harbor.reliability.restartServer");
    NetworkFaults network = new NetworkFaults(proxy, schema);
    return new Nodes() {
      private Connection admin = TestPostgres.connect();
      private long lockedUntil;
      private boolean locked;

      private int restart() throws Exception {
        PostgresFaultsTest.restartLocalServer();
        admin = TestPostgres.connect();
        locked = false; // the restart ended the lock's transaction
        return 1;
      }

      @Override
      public List<StateStore> stores() {
        return stores;
      }

      @Override
      public HistoryRecorder.Fault fault() {
        return () -> {
          int faults = network.inject();
          ThreadLocalRandom random = ThreadLocalRandom.current();
          if (restarts && random.nextInt(2000) == 0) {
            return restart();
          }
          if (random.nextInt(100) < 8) {
            try (PreparedStatement p =
                admin.prepareStatement(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM (SELECT pid FROM"
                        + " pg_stat_activity WHERE application_name = ? ORDER BY random() LIMIT 1)"
                        + " AS victim")) {
              p.setString(1, app);
              try (ResultSet rs = p.executeQuery()) {
                rs.next();
                faults += rs.getInt(1);
              }
            }
          }
          if (locked && System.nanoTime() - lockedUntil > 0) {
            admin.rollback();
            admin.setAutoCommit(true);
            locked = false;
          } else if (!locked && random.nextInt(1000) < 4) {
            // Every call on the table waits past operationTimeout and fails as transient. The lock
            // waits for the transactions in flight, and only briefly: one whose COMMIT the network
            // holds (a stall) is not let go before this thread's next tick ends the stall.
            admin.setAutoCommit(false);
            try (Statement s = admin.createStatement()) {
              s.execute("SET LOCAL lock_timeout = '200ms'");
              s.execute(
                  "LOCK TABLE \"" + schema + "\".harbor_state_records IN ACCESS EXCLUSIVE MODE");
              locked = true;
              lockedUntil = System.nanoTime() + 1_500_000_000L;
              faults++;
            } catch (SQLException e) {
              admin.rollback(); // not granted in time: no fault this tick
              admin.setAutoCommit(true);
            }
          }
          return faults;
        };
      }

      @Override
      public void close() throws Exception {
        network.end();
        if (locked) {
          admin.rollback();
        }
        admin.close();
        for (StateStore s : stores) {
          s.close();
        }
        proxy.close();
        TestPostgres.dropSchema(schema);
      }
    };
  }

  /**
   * The network's faults, through the proxy, one decision per fault tick (every few ms). The one
   * that matters most: a write's commit reaches the server and its answer is withheld for a few
   * milliseconds, while the other clients read and overwrite the slot, and then the connection is
   * cut, which is when a driver that runs the write again erases what they wrote.
   */
  static final class NetworkFaults {
    private final FaultProxy proxy;
    private final String schema;
    private FaultProxy.@Nullable Trap pending;
    private long armedAt;
    private long cutAt;
    private long calmAt;
    private int answersLost;
    private int cuts;
    private int slowdowns;

    NetworkFaults(FaultProxy proxy, String schema) {
      this.proxy = proxy;
      this.schema = schema;
    }

    int inject() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      long now = System.nanoTime();
      int faults = 0;
      FaultProxy.Trap trap = pending;
      if (trap == null && random.nextInt(100) < 15) {
        // The next write of a record (INSERT: save, saveAll, saveIf; DELETE: delete, deleteIf,
        // deleteScope) whose transaction commits: its answer is lost.
        pending =
            proxy.loseCommitAnswer(
                random.nextBoolean() ? "INSERT INTO \"" : "DELETE FROM \"", "\"" + schema + "\"");
        armedAt = now;
        cutAt = 0;
      } else if (trap != null && trap.isLost() && cutAt == 0) {
        cutAt = now + TimeUnit.MILLISECONDS.toNanos(2 + random.nextInt(60));
      } else if (trap != null
          && ((cutAt != 0 && now - cutAt > 0) || now - armedAt > TimeUnit.SECONDS.toNanos(2))) {
        trap.cut(); // disarms one that never caught a write
        faults += trap.isLost() ? 1 : 0;
        answersLost += trap.isLost() ? 1 : 0;
        pending = null;
      }
      if (random.nextInt(1000) < 5) {
        List<Integer> open = proxy.open();
        if (!open.isEmpty() && proxy.cut(open.get(random.nextInt(open.size())))) {
          faults++;
          cuts++;
        }
      }
      if (calmAt != 0 && now - calmAt > 0) {
        calm();
      } else if (calmAt == 0 && random.nextInt(1000) < 5) {
        FaultProxy.Direction d =
            random.nextBoolean() ? FaultProxy.Direction.TO_SERVER : FaultProxy.Direction.TO_CLIENT;
        if (random.nextBoolean()) {
          proxy.stall(d); // held, then delivered: a COMMIT may be in flight meanwhile
        } else {
          proxy.delay(d, Duration.ofMillis(1 + random.nextInt(5)));
        }
        calmAt = now + TimeUnit.MILLISECONDS.toNanos(20 + random.nextInt(200));
        faults++;
        slowdowns++;
      }
      return faults;
    }

    private void calm() {
      for (FaultProxy.Direction d : FaultProxy.Direction.values()) {
        proxy.resume(d);
        proxy.delay(d, Duration.ZERO);
      }
      calmAt = 0;
    }

    /** Lets go of every fault, so nothing holds a client between histories or at the end. */
    void end() {
      FaultProxy.Trap trap = pending;
      if (trap != null) {
        trap.cut();
        pending = null;
      }
      calm();
      System.out.printf(
          "network faults: %d commit answers lost, %d connections cut, %d delays or stalls%n",
          answersLost, cuts, slowdowns);
    }
  }
}
