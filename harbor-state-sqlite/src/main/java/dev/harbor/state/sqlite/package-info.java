/**
 * The {@code sqlite} driver: the durable embedded default, one database file and no server, on
 * xerial {@code sqlite-jdbc}. Its migrations are SQL resources beside these classes.
 *
 * <p>The only public class is {@link dev.harbor.state.sqlite.SqliteStateStoreProvider}, found by
 * {@link java.util.ServiceLoader}; applications open {@code sqlite:<path>} or {@code
 * sqlite::memory:} through {@code StateStores}. Everything else is package-private: {@code
 * SqliteStore} (the driver behind the core: one statement or one transaction per primitive), {@code
 * SqliteDatabase} (the connections and the discipline around them), {@code SqliteSettings} (the
 * option table, validated once at open), {@code SqliteMigrations} (the schema ledger) and {@code
 * SqliteErrors} (the one table from SQLite result codes to the contract's exceptions).
 *
 * <p>The design in one paragraph: the file runs in WAL mode with {@code synchronous=FULL}, so a
 * write that returned survives a crash. Writes go through one write connection, taken under a fair
 * lock and used only in {@code BEGIN IMMEDIATE} transactions, which take SQLite's write lock up
 * front and so never fail to upgrade; other instances and processes on the same file are waited for
 * by SQLite's busy handler within the call's {@code operationTimeout}. Reads use a small pool of
 * their own connections and never wait for the writer. Keys compare with SQLite's BINARY collation,
 * which is UTF-8 byte order, the order the contract asks for. The driver starts no threads.
 *
 * <p>Start with {@code SqliteDatabase}'s class comment, then {@code SqliteStore}.
 */
@org.jspecify.annotations.NullMarked
package dev.harbor.state.sqlite;
