/**
 * The {@code postgres} driver: many application nodes sharing one PostgreSQL database, on pgjdbc
 * and HikariCP. Its migrations are SQL resources beside these classes.
 *
 * <p>Two classes are public: {@link dev.harbor.state.postgres.PostgresStateStoreProvider}, found by
 * {@link java.util.ServiceLoader} for {@code postgres://}, {@code postgresql://} and {@code
 * jdbc:postgresql://} locations, and {@link dev.harbor.state.postgres.PostgresStateStore}, for
 * applications that already own a {@link javax.sql.DataSource} (the store borrows connections and
 * never closes the pool) and for the option table. Everything else is package-private: {@code
 * PgStore} (the driver behind the core), {@code PgSql} (every statement, built once per schema),
 * {@code PgDatabase} (borrowing connections, autocommit or one transaction per unit of work, and
 * the retry decision, a pure function of the failure), {@code PgLocalSettings} (each unit of work's
 * timeouts and isolation, local to its own transaction, so nothing stays on a session that a pooler
 * such as PgBouncer would hand to another client), {@code SlotLocks} (the advisory lock keys),
 * {@code PgErrors} (the one table from SQLSTATE to the contract's exceptions), {@code
 * PgMigrations}, {@code PgSettings}, {@code PgLocation}, {@code PgTimestamps} and {@code
 * KindRange}.
 *
 * <p>What makes several nodes safe is the locking protocol in {@code SlotLocks}: every write takes,
 * in its own transaction, its session's advisory lock shared and its slot's exclusive ({@code
 * deleteScope} and {@code saveAll} take the session's exclusive), scopes before slots and each in
 * ascending key order, so writes never deadlock and a slot a conditional write has checked cannot
 * change before it commits. Keys compare under the {@code "C"} collation, which is UTF-8 byte
 * order.
 *
 * <p>Start with {@link dev.harbor.state.postgres.PostgresStateStore} for the options, then {@code
 * SlotLocks}'s class comment for the protocol, then {@code PgStore}.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.postgres;
