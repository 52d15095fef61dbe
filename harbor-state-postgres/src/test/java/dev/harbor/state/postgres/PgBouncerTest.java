package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.testing.TestPgBouncer;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The store through a real PgBouncer, in transaction and in session pooling mode, with a plain
 * location (issue 14): a lock held elsewhere ends a conditional write within operationTimeout,
 * nothing the store does stays on a server session, and migrations are safe through the pooler.
 */
class PgBouncerTest extends DatabaseTest {

  private static final Map<String, TestPgBouncer> BOUNCERS = new java.util.HashMap<>();

  @BeforeAll
  static void startBouncers() {
    BOUNCERS.put("transaction", TestPgBouncer.start("transaction"));
    BOUNCERS.put("session", TestPgBouncer.start("session"));
  }

  @AfterAll
  static void stopBouncers() {
    BOUNCERS.values().forEach(TestPgBouncer::close);
    BOUNCERS.clear();
  }

  private StateStore openThrough(String mode, String... options) {
    return track(
        dev.harbor.state.StateStores.open(Bouncers.location(BOUNCERS.get(mode), schema, options)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"transaction", "session"})
  void everyKindOfCall_worksThroughThePooler(String mode) {
    StateStore store = openThrough(mode);
    // Past pgjdbc's default prepareThreshold (5): a named statement would be made by now.
    for (int i = 0; i < 12; i++) {
      store.save(record("E" + i, "k", "v" + i));
      assertThat(store.load(Q, "k").id().value()).isEqualTo("E" + i);
    }
    store.saveIf(List.of(SlotExpectation.exact(Q, "k", EventId.of("E11"))), record("F", "k", "f"));
    assertThatThrownBy(
            () ->
                store.saveIf(
                    List.of(SlotExpectation.exact(Q, "k", EventId.of("E11"))),
                    record("G", "k", "g")))
        .isInstanceOf(ConditionFailedException.class);
    boolean[] ran = new boolean[1];
    store.fenceIf(SlotExpectation.exact(Q, "k", EventId.of("F")), () -> ran[0] = true);
    assertThat(ran[0]).isTrue();
    store.saveAll(List.of(record("B1", "b1", "1"), record("B2", "b2", "2")));
    assertThat(store.deleteIf(SlotExpectation.exact(Q, "k", EventId.of("F")))).isTrue();
    assertThat(store.deleteScope(Q.identity())).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"transaction", "session"})
  void aConditionalWrite_blockedByALockHeldElsewhere_failsWithinOperationTimeout(String mode)
      throws Exception {
    StateStore store = openThrough(mode, "operationTimeout=500ms");
    store.save(record("G0", "lease", "g0"));
    SlotLocks.Keys keys = new SlotLocks(schema).keys(Q, "lease");
    // 1. The slot's advisory lock, held by a session straight on the server.
    try (Connection holder = TestPostgres.connect()) {
      holder.setAutoCommit(false);
      try (PreparedStatement p = holder.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        p.setLong(1, keys.slots()[0]);
        p.execute();
      }
      assertFailsWithinTimeout(
          () ->
              store.saveIf(
                  List.of(SlotExpectation.exact(Q, "lease", EventId.of("G0"))),
                  record("G1", "lease", "g1")));
      holder.rollback();
    }
    // 2. The slot's row, locked by a writer outside the store's protocol.
    try (Connection holder = TestPostgres.connect()) {
      holder.setAutoCommit(false);
      try (Statement s = holder.createStatement()) {
        s.execute("SELECT * FROM \"" + schema + "\".harbor_state_records FOR UPDATE");
      }
      assertFailsWithinTimeout(
          () ->
              store.saveIf(
                  List.of(SlotExpectation.exact(Q, "lease", EventId.of("G0"))),
                  record("G1", "lease", "g1")));
      holder.rollback();
    }
    // Nothing changed, and the store works once the locks are gone.
    assertThat(store.load(Q, "lease").id().value()).isEqualTo("G0");
    store.saveIf(
        List.of(SlotExpectation.exact(Q, "lease", EventId.of("G0"))), record("G1", "lease", "g1"));
    assertThat(store.load(Q, "lease").id().value()).isEqualTo("G1");
  }

  private static void assertFailsWithinTimeout(Runnable call) {
    long start = System.nanoTime();
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isTrue());
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // operationTimeout is 500 ms; the bound leaves room for a loaded machine, not for the
    // default 30 s a lost setting would fall back to.
    assertThat(millis).as("milliseconds until the call failed").isBetween(400L, 5_000L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"transaction"})
  void nothingTheStoreDoes_staysOnAServerSession(String mode) throws Exception {
    StateStore store = openThrough(mode, "operationTimeout=7s");
    for (int i = 0; i < 20; i++) {
      store.save(record("E" + i, "k", "v"));
      store.saveIf(
          List.of(SlotExpectation.exact(Q, "k", EventId.of("E" + i))), record("S" + i, "k", "s"));
      store.find(Q, "k");
    }
    // Another client of the pooler gets the server connections the store just used (PgBouncer
    // hands out the most recently used one first): it must find the server's defaults there, and
    // no prepared statement.
    String[] defaults = serverDefaults();
    try (Connection c = BOUNCERS.get(mode).connect();
        Statement s = c.createStatement()) {
      for (int i = 0; i < 10; i++) {
        try (ResultSet rs =
            s.executeQuery(
                "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'),"
                    + " current_setting('transaction_isolation'),"
                    + " (SELECT count(*) FROM pg_prepared_statements)")) {
          rs.next();
          assertThat(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)})
              .as("settings of a server session after the store used it")
              .containsExactly(defaults);
          assertThat(rs.getLong(4)).as("prepared statements left on it").isZero();
        }
      }
    }
  }

  /** The server's own defaults, read straight from it. */
  private static String[] serverDefaults() throws SQLException {
    try (Connection c = TestPostgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'),"
                    + " current_setting('transaction_isolation')")) {
      rs.next();
      return new String[] {rs.getString(1), rs.getString(2), rs.getString(3)};
    }
  }

  @org.junit.jupiter.api.Test
  void serverSidePreparedStatements_onlyOnAConnectionPinnedToOneBackend() throws SQLException {
    PgLocation server = TestServer.location();
    for (String mode : new String[] {"direct", "transaction", "session"}) {
      com.zaxxer.hikari.HikariConfig hc = new com.zaxxer.hikari.HikariConfig();
      hc.setJdbcUrl(
          mode.equals("direct")
              ? server.jdbcUrl()
              : "jdbc:postgresql://127.0.0.1:" + BOUNCERS.get(mode).port() + "/test");
      hc.setUsername(server.user());
      hc.setMaximumPoolSize(1);
      try (com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource(hc);
          Connection c = pool.getConnection()) {
        PgDatabase db =
            new PgDatabase(
                pool,
                null,
                new dev.harbor.state.spi.StoreContext(
                    "postgres", 1024, java.time.Clock.systemUTC()),
                java.time.Duration.ofSeconds(5));
        db.learnDefaults(c, -1);
        // PgBouncer answers the login with a key of its own, in either mode.
        assertThat(db.prepares()).as(mode).isEqualTo(mode.equals("direct"));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"transaction"})
  void manyStoresOpeningAnEmptySchemaAtOnceThroughThePooler_migrateOnce_andVerifyWorks(String mode)
      throws Exception {
    int n = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<StateStore>> opens =
          java.util.stream.IntStream.range(0, n)
              .mapToObj(
                  i ->
                      pool.submit(
                          () -> {
                            start.await();
                            return openThrough(mode, "maxPoolSize=2");
                          }))
              .toList();
      start.countDown();
      for (Future<StateStore> f : opens) {
        f.get(60, TimeUnit.SECONDS)
            .save(record("E" + opens.indexOf(f), "k" + opens.indexOf(f), "v"));
      }
    } finally {
      pool.shutdownNow();
    }
    try (Connection c = TestPostgres.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*), count(DISTINCT version) FROM \""
                    + schema
                    + "\".harbor_state_migrations")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(rs.getInt(2)).isEqualTo(PgMigrations.INDEX.size());
    }
    StateStore verified = openThrough(mode, "migrate=verify");
    assertThat(verified.listKindForIdentity(Q, "k", 100)).hasSize(n);
    String missing = TestPostgres.newSchemaName("harbor_test");
    assertThatThrownBy(
            () ->
                dev.harbor.state.StateStores.open(
                    Bouncers.location(BOUNCERS.get(mode), missing, "migrate=verify")))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("harbor-state migrate");
    assertThat(TestPostgres.schemaExists(missing)).isFalse();
  }
}
