/**
 * Code the two SQL drivers share, and nothing else: internal to Harbor State, not an API, with no
 * compatibility promise between versions. Only {@code harbor-state-sqlite} and {@code
 * harbor-state-postgres} may use it (a rule of the architecture tests enforces that), and it
 * depends on no JDBC driver.
 *
 * <p>What is shared is what must be identical for a record to look the same from both databases:
 * {@link dev.harbor.state.sql.RecordRows}, the columns of the records table in the order both
 * drivers select them, binding keys and reading rows back into records (each driver brings its own
 * reader of {@code updated_at}, the one column stored differently); {@link
 * dev.harbor.state.sql.KindPrefix}, a literal prefix match written as the index-friendly range
 * {@code [prefix, successor(prefix))} under UTF-8 byte order, never {@code LIKE}; and {@link
 * dev.harbor.state.sql.MigrationPlan}, loading the forward-only migration files a driver ships,
 * their checksums, and the check of the database's ledger; {@link
 * dev.harbor.state.sql.GroupCommit}, the leader/follower hand-off through which concurrent
 * single-record writes share one commit (each driver brings what a group's transaction runs).
 * Locking, DDL and the SQL dialect stay in each driver.
 *
 * <p>These classes are public only because Java has no visibility between modules short of JPMS;
 * treat them as package-private to the SQL drivers. Start with {@link
 * dev.harbor.state.sql.RecordRows}.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.sql;
