package dev.harbor.state.postgres;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.TestPostgres;

/**
 * A least-privilege login role of one test run on the test server (SPEC 9.4): no superuser, no
 * BYPASSRLS, not the owner of anything; given only what the README's grants give. Trust
 * authentication on the test server, so it needs no password. {@link #close} drops it.
 */
final class TestRole implements AutoCloseable {

  private final String name;

  private TestRole(String name) {
    this.name = name;
  }

  /**
   * Creates a role with a name no other run uses.
   *
   * @return the role
   */
  static TestRole create() {
    TestPostgres.ensureReachable();
    String name = TestPostgres.newSchemaName("harbor_role");
    TestPostgres.execute(
        "CREATE ROLE " + name + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE");
    return new TestRole(name);
  }

  /**
   * The role's name.
   *
   * @return the name
   */
  String name() {
    return name;
  }

  /**
   * Grants the role what the README lists for a store's role on a schema: USAGE on the schema, DML
   * on the records table, SELECT on the migration ledger (which {@code migrate=verify} reads).
   *
   * @param schema a migrated schema
   */
  void grant(String schema) {
    TestPostgres.execute(grants(schema, name));
  }

  /**
   * The README's grants.
   *
   * @param schema the schema
   * @param role the store's role
   * @return the statements
   */
  static String[] grants(String schema, String role) {
    String s = PgSettings.quote(schema);
    return new String[] {
      "GRANT USAGE ON SCHEMA " + s + " TO " + role,
      "GRANT SELECT, INSERT, UPDATE, DELETE ON " + s + ".harbor_state_records TO " + role,
      "GRANT SELECT ON " + s + ".harbor_state_migrations TO " + role
    };
  }

  /**
   * The location of a schema for this role, with extra options.
   *
   * @param schema the schema
   * @param options extra {@code name=value} options
   * @return the location
   */
  String location(String schema, String... options) {
    return TestPostgres.location(schema, options)
        .replaceFirst("^(postgres(ql)?://)[^@/]*@", "$1" + name + "@");
  }

  /**
   * Migrates a fresh schema as the test server's own (owner) user, as {@code harbor-state migrate}
   * does, and grants this role on it.
   *
   * @param schema the schema
   * @param options options of the migration's store, such as {@code rowSecurity=on}
   */
  void migrateAndGrant(String schema, String... options) {
    // Opened (and so migrated) and closed: nothing else.
    StateStores.open(StateConfig.parse(TestPostgres.location(schema, options))).close();
    grant(schema);
  }

  /** Drops the role and whatever privileges it still holds in the test database. */
  @Override
  public void close() {
    TestPostgres.execute("DROP OWNED BY " + name, "DROP ROLE " + name);
  }
}
