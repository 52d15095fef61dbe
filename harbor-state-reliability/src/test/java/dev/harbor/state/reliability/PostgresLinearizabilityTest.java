package dev.harbor.state.reliability;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * PostgreSQL histories: three store instances (three pools, as three nodes) on one schema. Faults:
 * the stores' backends terminated at random, the table locked past operationTimeout now and then
 * (so calls time out), client threads interrupted, and with {@code
 * -Dharbor.reliability.restartServer=true} (the long run) the server restarted about every ten
 * seconds ({@code pg_ctlcluster … restart -m fast}, so a local cluster only).
 */
class PostgresLinearizabilityTest extends LinearizabilityProperties {

  @Override
  Nodes open() throws Exception {
    String schema = TestPostgres.newSchemaName("harbor_linear");
    String app = "linear-" + schema;
    List<StateStore> stores = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      stores.add(
          StateStores.open(
              StateConfig.parse(
                  TestPostgres.location(
                      schema, "applicationName=" + app, "operationTimeout=1s", "maxPoolSize=4"))));
    }
    boolean restarts = Boolean.getBoolean("harbor.reliability.restartServer");
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
          int faults = 0;
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
            // Every call on the table waits past operationTimeout and fails as transient.
            admin.setAutoCommit(false);
            try (Statement s = admin.createStatement()) {
              s.execute(
                  "LOCK TABLE \"" + schema + "\".harbor_state_records IN ACCESS EXCLUSIVE MODE");
            }
            locked = true;
            lockedUntil = System.nanoTime() + 1_500_000_000L;
            faults++;
          }
          return faults;
        };
      }

      @Override
      public void close() throws Exception {
        if (locked) {
          admin.rollback();
        }
        admin.close();
        for (StateStore s : stores) {
          s.close();
        }
        TestPostgres.dropSchema(schema);
      }
    };
  }
}
