package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.postgres.PgDatabase.Mode;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreSnapshot;
import dev.harbor.state.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rowSecurity=on} (SPEC 9.4): a statement that forgets its tenant predicate, run through the
 * store's own connection setup ({@link PgDatabase#call} with a tenant's {@link PgScope}), returns
 * and changes no row of another tenant. Run as roles the policy applies to: a superuser (the test
 * server's own user) bypasses row-level security whatever the table says, so the proof needs a
 * least-privilege role, and the owner case a non-superuser owner under FORCE.
 */
class RowSecurityTest {

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<String> schemas = new ArrayList<>();

  @BeforeEach
  void reachable() {
    TestPostgres.ensureReachable();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    for (String s : schemas) {
      TestPostgres.dropSchema(s);
    }
  }

  @Test
  void unscopedStatements_asTheStoresRole_seeAndChangeOnlyTheDeclaredTenantsRows()
      throws Exception {
    TestRole role = track(TestRole.create());
    String schema = schema();
    role.migrateAndGrant(schema, "rowSecurity=on");
    StateStore store = open(role.location(schema, "migrate=verify", "rowSecurity=on"));
    seed(store);
    PgDatabase db = database(role.name());

    assertUnscopedStatementsStayInTenant(db, schema);
    // And what the other tenant had is still there, for the store and for the owner alike.
    assertThat(store.find(new Quadruple("b", "u", "s", "r"), "k.1")).isPresent();
    assertThat(tenantsAsOwner(schema)).containsExactly("b", "b");
  }

  @Test
  void unscopedStatements_asANonSuperuserOwner_areHeldBackByForce() throws Exception {
    TestRole owner = track(TestRole.create());
    String schema = schema();
    TestPostgres.execute("CREATE SCHEMA " + schema + " AUTHORIZATION " + owner.name());
    // The owner migrates and, with rowSecurity=on, enables and forces row-level security.
    StateStore store = open(owner.location(schema, "rowSecurity=on"));
    seed(store);

    assertUnscopedStatementsStayInTenant(database(owner.name()), schema);
  }

  @Test
  void withoutRowSecurity_theSameUnscopedStatementSeesEveryTenant_soTheTestCanFail()
      throws Exception {
    TestRole role = track(TestRole.create());
    String schema = schema();
    role.migrateAndGrant(schema);
    seed(open(role.location(schema, "migrate=verify")));

    List<String> seen =
        database(role.name())
            .call(Mode.READ, PgScope.tenant("a"), () -> "unscoped", (c, a) -> tenants(c, schema));
    assertThat(seen).containsExactlyInAnyOrder("a", "a", "b", "b");
  }

  @Test
  void aSnapshot_declaresEachPagesScope_inItsOneTransaction() {
    TestRole role = track(TestRole.create());
    String schema = schema();
    role.migrateAndGrant(schema, "rowSecurity=on");
    StateStore store = open(role.location(schema, "migrate=verify", "rowSecurity=on"));
    seed(store);
    try (StoreSnapshot snapshot = StoreCore.snapshot(store)) {
      // Maintenance, one tenant, maintenance again: the scope changes within the transaction.
      assertThat(snapshot.scanAll(ListScope.MAINTENANCE, 100, "").records()).hasSize(4);
      assertThat(snapshot.scanKindForTenant(ListScope.MAINTENANCE, "a", "k", 100, "").records())
          .extracting(r -> r.identity().tenantId())
          .containsExactly("a", "a");
      assertThat(snapshot.scanAll(ListScope.MAINTENANCE, 100, "").records()).hasSize(4);
    }
  }

  @Test
  void verify_refusesASchemaThatDoesNotEnforceRowSecurity() {
    TestRole role = track(TestRole.create());
    String schema = schema();
    role.migrateAndGrant(schema);
    assertThatThrownBy(() -> open(role.location(schema, "migrate=verify", "rowSecurity=on")))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("does not enforce row-level security");
  }

  @Test
  void underThePolicy_theScopedLookupAndTheSlotReads_keepTheirIndexPlans() throws Exception {
    TestRole role = track(TestRole.create());
    String schema = schema();
    role.migrateAndGrant(schema, "rowSecurity=on");
    StateStore store = open(role.location(schema, "migrate=verify", "rowSecurity=on"));
    List<StateRecord> big = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      big.add(
          StateRecord.of(
              EventId.of("big-" + i),
              new Quadruple("big", "u" + (i % 50), "s" + i, ""),
              "k",
              "v".getBytes(StandardCharsets.UTF_8)));
      if (big.size() == 1_000) {
        store.saveAll(big);
        big.clear();
      }
    }
    Quadruple small = new Quadruple("small", "u", "s", "");
    store.save(StateRecord.of(EventId.of("small-1"), small, "k", new byte[] {1}));
    PgSql sql = new PgSql(PgSettings.quote(schema));
    TestPostgres.execute("ANALYZE " + sql.table);
    PgDatabase db = database(role.name());
    for (String[] lookup :
        new String[][] {{"big-17", "big"}, {"big-17", "small"}, {"small-1", "big"}}) {
      String plan =
          db.call(
              Mode.READ,
              PgScope.tenant(lookup[1]),
              () -> "explain",
              (c, a) -> explain(c, sql.findByEventIdOfTenant, lookup[0], lookup[1]));
      assertThat(plan)
          .as("plan of the lookup of %s in tenant %s under the policy", lookup[0], lookup[1])
          .contains("Index Scan using " + PgSql.EVENT_ID_CONSTRAINT)
          .contains("Index Cond: (event_id = ")
          .doesNotContain("Seq Scan")
          .doesNotContain("harbor_state_records_pkey")
          .doesNotContain("harbor_state_records_tenant_age");
    }
    String find =
        db.call(
            Mode.READ,
            PgScope.tenant("big"),
            () -> "explain",
            (c, a) -> explain(c, sql.find, "big", "u1", "s1", "", "k"));
    assertThat(find)
        .contains("Index Scan using harbor_state_records_pkey")
        .doesNotContain("Seq Scan");
    assertThat(store.findByEventId("small", EventId.of("big-17"))).isEmpty();
    assertThat(store.findByEventId("big", EventId.of("big-17"))).isPresent();
    assertThat(store.find(small, "k")).isPresent();
  }

  private static String explain(Connection c, String select, String... parameters)
      throws SQLException {
    StringBuilder out = new StringBuilder();
    try (PreparedStatement p = c.prepareStatement("EXPLAIN " + select)) {
      for (int i = 0; i < parameters.length; i++) {
        p.setString(i + 1, parameters[i]);
      }
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.append(rs.getString(1)).append('\n');
        }
      }
    }
    return out.toString();
  }

  /** The unscoped SELECT, UPDATE and DELETE, and a write of another tenant's row, for tenant a. */
  private static void assertUnscopedStatementsStayInTenant(PgDatabase db, String schema) {
    String table = PgSettings.quote(schema) + "." + PgSql.RECORDS;
    assertThat(
            db.<List<String>>call(
                Mode.READ, PgScope.tenant("a"), () -> "select", (c, a) -> tenants(c, schema)))
        .as("SELECT without a tenant predicate")
        .containsExactly("a", "a");
    assertThat(
            db.<Integer>call(
                Mode.TRANSACTION,
                PgScope.tenant("a"),
                () -> "update",
                (c, a) -> update(c, "UPDATE " + table + " SET version = version + 1")))
        .as("UPDATE without a tenant predicate")
        .isEqualTo(2);
    // A group's scope of several tenants admits exactly those.
    assertThat(
            db.<List<String>>call(
                Mode.READ,
                PgScope.tenants(List.of("a", "c")),
                () -> "select",
                (c, a) -> tenants(c, schema)))
        .containsExactly("a", "a");
    assertThatThrownBy(
            () ->
                db.<Integer>call(
                    Mode.TRANSACTION,
                    PgScope.tenant("a"),
                    () -> "move a row to tenant b",
                    (c, a) -> update(c, "UPDATE " + table + " SET tenant_id = 'b'")))
        .as("a write that would put a row into another tenant")
        .hasMessageContaining("row-level security");
    assertThat(
            db.<Integer>call(
                Mode.TRANSACTION,
                PgScope.tenant("a"),
                () -> "delete",
                (c, a) -> update(c, "DELETE FROM " + table)))
        .as("DELETE without a tenant predicate")
        .isEqualTo(2);
    // Maintenance declares itself, and sees what is left: tenant b's rows, untouched.
    assertThat(
            db.<List<String>>call(
                Mode.READ, PgScope.ALL, () -> "scanAll", (c, a) -> tenants(c, schema)))
        .containsExactly("b", "b");
  }

  private static List<String> tenants(Connection c, String schema) throws SQLException {
    List<String> seen = new ArrayList<>();
    try (PreparedStatement p =
            c.prepareStatement(
                "SELECT tenant_id FROM "
                    + PgSettings.quote(schema)
                    + "."
                    + PgSql.RECORDS
                    + " ORDER BY tenant_id");
        ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        seen.add(rs.getString(1));
      }
    }
    return seen;
  }

  private static int update(Connection c, String sql) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      return p.executeUpdate();
    }
  }

  /** Two records each of tenants a and b, saved through the store. */
  private static void seed(StateStore store) {
    for (String tenant : List.of("a", "b")) {
      for (String kind : List.of("k.1", "k.2")) {
        store.save(
            StateRecord.of(
                EventId.newId(),
                new Quadruple(tenant, "u", "s", "r"),
                kind,
                (tenant + kind).getBytes(StandardCharsets.UTF_8)));
      }
    }
  }

  /** The tenants of the rows, read by the test server's superuser, which bypasses the policy. */
  private static List<String> tenantsAsOwner(String schema) throws SQLException {
    try (Connection c = TestPostgres.connect();
        Statement s = c.createStatement()) {
      List<String> seen = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT tenant_id FROM "
                  + PgSettings.quote(schema)
                  + "."
                  + PgSql.RECORDS
                  + " ORDER BY tenant_id")) {
        while (rs.next()) {
          seen.add(rs.getString(1));
        }
      }
      return seen;
    }
  }

  /** The store's database layer over a pool of the test's own, logged in as a role. */
  private PgDatabase database(String user) throws SQLException {
    HikariConfig hc = TestServer.poolConfig(2);
    hc.setUsername(user);
    hc.setPassword(null);
    HikariDataSource pool = track(new HikariDataSource(hc));
    PgDatabase db =
        new PgDatabase(
            pool,
            null,
            new StoreContext("postgres", 1024, Clock.systemUTC()),
            Duration.ofSeconds(10));
    try (Connection c = pool.getConnection()) {
      db.learnDefaults(c, -1);
    }
    return db;
  }

  private StateStore open(String location) {
    return track(StateStores.open(StateConfig.parse(location)));
  }

  private String schema() {
    String s = TestPostgres.newSchemaName("harbor_test");
    schemas.add(s);
    return s;
  }

  private <T extends AutoCloseable> T track(T resource) {
    resources.add(resource);
    return resource;
  }
}
