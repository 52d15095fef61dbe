package dev.harbor.state.sqlite;

import dev.harbor.state.StateStoreException;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreErrors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of one store and the discipline around them.
 *
 * <p>Writes: one write connection, taken under a fair lock (so writers of this store are served in
 * arrival order and never meet SQLite's busy handler among themselves) and used only inside {@code
 * BEGIN IMMEDIATE} transactions, which take SQLite's write lock up front: a transaction never has
 * to upgrade from reading to writing, which is the case where SQLite gives up with a busy error
 * instead of waiting. Other store instances and processes on the same file are waited for by
 * SQLite's busy handler, for at most what is left of the call's {@code operationTimeout}.
 *
 * <p>Reads on a file: a fixed pool of read connections. In WAL mode they read the last committed
 * state while a write is in progress, so a reader never queues behind the writer, only behind other
 * readers when all are in use.
 *
 * <p>In memory: one connection for everything, under the write lock. A private in-memory database
 * lives in its connection, and SQLite's shared-cache mode, the only way to give it more
 * connections, reports table locks to readers as errors rather than waiting, so readers share the
 * writer's connection instead.
 *
 * <p>Failures: a failed statement never breaks the store. The failing connection's kept statements
 * are dropped ({@link SqliteStatements#discard}), since the driver may have finalized them; a
 * {@code COMMIT} whose outcome is unknown also replaces the write connection and overwrites what
 * the failed transaction left in the WAL ({@link SqliteErrors#mapCommit}). Read connections need
 * neither: they read only what the WAL index records as committed.
 *
 * <p>No threads are started: callers' threads do all the work.
 */
final class SqliteDatabase {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteDatabase.class);

  /** Work on a connection. */
  @FunctionalInterface
  interface Work<T> {
    /**
     * Runs on the connection.
     *
     * @param c the connection
     * @return the result
     * @throws SQLException if SQLite fails
     */
    T run(Connection c) throws SQLException;
  }

  /** Read work: runs statements of the read connection it was lent. */
  @FunctionalInterface
  interface Query<T> {
    /**
     * Runs the statements.
     *
     * @param statements the lent connection's statements
     * @return the result
     * @throws SQLException if SQLite fails
     */
    T run(SqliteStatements statements) throws SQLException;
  }

  /** Work on a connection that has no result. */
  @FunctionalInterface
  interface Step {
    /**
     * Runs on the connection.
     *
     * @param c the connection
     * @throws SQLException if SQLite fails
     */
    void run(Connection c) throws SQLException;
  }

  /** A step as {@link Work}: its result is a placeholder nobody reads. */
  private static Work<Boolean> work(Step step) {
    return c -> {
      step.run(c);
      return Boolean.TRUE;
    };
  }

  private final SqliteSettings settings;
  private final StoreContext context;
  private final SqliteErrors errors;
  private final ReentrantLock writeLock = new ReentrantLock(true);
  private final SqliteWriter writer; // used under writeLock
  private final List<Connection> readers;
  private final BlockingQueue<SqliteStatements> idleReaders; // each used by one thread at a time
  private final long timeoutNanos;

  private SqliteDatabase(
      SqliteSettings settings,
      StoreContext context,
      SqliteErrors errors,
      Connection writer,
      List<Connection> readers) {
    this.settings = settings;
    this.context = context;
    this.errors = errors;
    this.writer = new SqliteWriter(settings, context, errors, writer);
    this.readers = List.copyOf(readers);
    this.idleReaders = new ArrayBlockingQueue<>(Math.max(1, readers.size()));
    for (Connection reader : readers) {
      this.idleReaders.add(new SqliteStatements(reader));
    }
    this.timeoutNanos = settings.operationTimeout().toNanos();
  }

  /**
   * Opens the connections, checks that the file is UTF-8, switches it to WAL and brings the schema
   * up to date (or verifies it).
   *
   * @param settings the validated settings
   * @param context the store's context; its clock stamps migration ledger rows
   * @return the open database
   * @throws StorageException if SQLite cannot open the file, it is not UTF-8 (then it is left
   *     untouched), or its schema is not usable
   */
  static SqliteDatabase open(SqliteSettings settings, StoreContext context) {
    SqliteErrors errors = new SqliteErrors(settings.describe(), null);
    if (!settings.migrate() && !settings.inMemory() && !Files.exists(settings.file())) {
      throw new StorageException(
          "sqlite database "
              + settings.describe()
              + " does not exist; migrate=verify creates"
              + " nothing: open it once with migrate=apply or run 'harbor-state migrate'",
          false,
          null);
    }
    Path file = settings.file();
    if (settings.migrate() && file != null) {
      SqliteFiles.createOwnerOnly(file); // before SQLite creates it with the umask's
    }
    List<Connection> opened = new ArrayList<>();
    try {
      Connection writer = SqliteConnections.connect(settings, false);
      opened.add(writer);
      SqliteConnections.requireUtf8(writer, settings); // before anything that could change the file
      SqliteMigrations migrations = SqliteMigrations.shipped(settings.describe());
      if (!settings.migrate()) {
        migrations.verify(writer); // before anything that could change the file
      }
      if (!settings.inMemory()) {
        SqliteConnections.requirePragma(
            writer,
            "PRAGMA journal_mode = WAL",
            "wal",
            mode ->
                "sqlite database "
                    + settings.describe()
                    + " cannot use the WAL journal"
                    + " (journal_mode is '"
                    + mode
                    + "'); put it on a local file system");
      }
      if (settings.migrate()) {
        migrations.apply(writer, context.clock());
      }
      List<Connection> readers = new ArrayList<>();
      if (!settings.inMemory()) {
        for (int i = 0; i < settings.readers(); i++) {
          Connection reader = SqliteConnections.connect(settings, true);
          opened.add(reader);
          readers.add(reader);
        }
      }
      return new SqliteDatabase(
          settings, context, new SqliteErrors(settings.describe(), context), writer, readers);
    } catch (SQLException e) {
      closeAll(opened);
      throw errors.map(e, "opening");
    } catch (RuntimeException | Error e) {
      closeAll(opened);
      throw e;
    }
  }

  /**
   * Runs work in one {@code BEGIN IMMEDIATE} transaction on the write connection: committed if it
   * returns, rolled back if it throws or if the calling thread was interrupted by the time it
   * returned. A {@link RuntimeException} or {@link Error} of the work propagates as the same
   * instance.
   *
   * @param operation what is being done, for messages
   * @param work the work
   * @param <T> its result
   * @return the work's result
   * @throws dev.harbor.state.OperationCancelledException if the calling thread was interrupted
   *     before the commit; the flag stays set and nothing was written
   * @throws IllegalStateException if called from inside a write of the same store (a fenced action
   *     writing)
   */
  <T> T write(String operation, Work<T> work) {
    return write(operation, work, true, deadline());
  }

  /**
   * Like {@link #write(String, Work)}, for a call that began earlier (a group commit's leader
   * promoted after waiting in the queue): every wait ends by the call's own deadline.
   *
   * @param operation what is being done, for messages
   * @param deadline when the call must end, as {@link System#nanoTime()} reads
   * @param work the work
   * @param <T> its result
   * @return the work's result
   */
  <T> T write(String operation, long deadline, Work<T> work) {
    return write(operation, work, true, deadline);
  }

  /** The deadline of a call that starts now: operationTimeout from now. */
  private long deadline() {
    return System.nanoTime() + timeoutNanos;
  }

  /**
   * Like {@link #write}, for work that writes nothing but runs a caller's action (a {@code fenceIf}
   * action): it commits even if the thread was interrupted meanwhile, because the action has
   * already run, and reporting the call as cancelled, with nothing done, could lead the caller to
   * run it again.
   *
   * <p>Once the work has run, a failure to end the transaction is not reported: the fence wrote
   * nothing, so there is nothing to lose or apply, and the write lock was held while the action
   * ran. It happens when the action closed its own store, which closed the connection under the
   * fence (CONTRACT.md 4.7).
   *
   * @param operation what is being done, for messages
   * @param step the work
   */
  void fence(String operation, Step step) {
    boolean[] ran = {false};
    try {
      write(
          operation,
          c -> {
            step.run(c);
            ran[0] = true;
            return Boolean.TRUE;
          },
          false,
          deadline());
    } catch (StateStoreException e) {
      if (!ran[0]) {
        throw e;
      }
      LOG.debug(
          "{} ran its action; ending its transaction reported: {}", operation, e.getMessage());
    }
  }

  /**
   * {@link #write(String, Work)} for work without a result.
   *
   * @param operation what is being done, for messages
   * @param step the work
   */
  void execute(String operation, Step step) {
    write(operation, work(step), true, deadline());
  }

  /**
   * Like {@link #execute}, for the one transaction of a group of callers' writes ({@link
   * SqliteGroupCommit}): an interrupt of the leading thread must not cancel the others' writes, so
   * it commits even if the thread was interrupted meanwhile.
   *
   * @param operation what is being done, for messages
   * @param deadline the leader's call's deadline, as {@link System#nanoTime()} reads
   * @param step the work
   */
  void writeGroup(String operation, long deadline, Step step) {
    write(operation, work(step), false, deadline);
  }

  /**
   * Whether the calling thread is inside a write of this store (a fenced action calling back).
   *
   * @return whether it holds the write connection
   */
  boolean inWrite() {
    return writeLock.isHeldByCurrentThread();
  }

  /**
   * How many threads wait for the write connection (for tests that steer a group).
   *
   * @return an estimate, exact while nothing else changes
   */
  int writersWaiting() {
    return writeLock.getQueueLength();
  }

  private <T> T write(String operation, Work<T> work, boolean cancellable, long deadline) {
    if (writeLock.isHeldByCurrentThread()) {
      // Only a fenceIf action calling back into its own store gets here; SQLite has no nested
      // transactions, and running the write inside the fence's transaction would break the fence.
      throw new IllegalStateException(
          operation
              + " was called from inside a fenceIf action of the same store;"
              + " a fenced action must not call the store that fences it");
    }
    lockWriter(deadline);
    try {
      context.checkOpen(); // a close or an interrupt that arrived while waiting wins
      return writer.transaction(operation, work, cancellable, deadline);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * A statement of the write connection, prepared once and kept for the store's life. Only for use
   * inside {@link #write} work, which holds the write lock; callers must not close it. Why:
   * sqlite-jdbc prepares anew on every {@code prepareStatement} (about 18 µs each), and every save
   * runs the same four statements inside the critical section.
   */
  PreparedStatement writeStatement(String sql) throws SQLException {
    return writer.statement(sql);
  }

  /**
   * Runs read-only work on a read connection (file) or on the single connection (memory), in
   * auto-commit mode: each statement sees one committed state.
   *
   * @param operation what is being done, for messages
   * @param work the work
   * @param <T> its result
   * @return the work's result
   */
  <T> T read(String operation, Query<T> work) {
    if (settings.inMemory()) {
      lockWriter();
      try {
        return readOn(writer.statements(), operation, work);
      } finally {
        writeLock.unlock();
      }
    }
    SqliteStatements reader = takeReader();
    try {
      return readOn(reader, operation, work);
    } finally {
      idleReaders.add(reader);
    }
  }

  /** Runs read work on a connection the caller holds, if the store is still open. */
  private <T> T readOn(SqliteStatements statements, String operation, Query<T> work) {
    try {
      context.checkOpen();
      return work.run(statements);
    } catch (SQLException e) {
      statements.discard();
      throw errors.map(e, operation);
    }
  }

  private void lockWriter() {
    lockWriter(deadline());
  }

  /** Takes the write connection, waiting no later than the call's deadline. */
  private void lockWriter(long deadline) {
    try {
      if (!writeLock.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
        throw timedOut("the write connection");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw context.cancelled();
    }
  }

  private SqliteStatements takeReader() {
    try {
      SqliteStatements reader = idleReaders.poll(timeoutNanos, TimeUnit.NANOSECONDS);
      if (reader == null) {
        throw timedOut("a read connection");
      }
      return reader;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw context.cancelled();
    }
  }

  private StateStoreException timedOut(String what) {
    if (context.isClosed()) {
      return context.closedException();
    }
    return StoreErrors.timedOut(
        settings.operationTimeout(), what + " of sqlite database " + settings.describe());
  }

  // ---- for SqliteSnapshot ----

  /**
   * A new read connection to the file, of the caller's own (not one of the read pool's, which a
   * long snapshot would take from the store's readers), set up as the pool's are.
   *
   * @return the connection; the caller closes it
   * @throws SQLException if SQLite cannot open it
   */
  Connection connectReader() throws SQLException {
    context.checkOpen();
    return SqliteConnections.connect(settings, true);
  }

  /**
   * Copies an in-memory database into an empty file ({@code VACUUM INTO}), holding the write
   * connection while it copies: the copy is one committed state, and writes wait for it.
   *
   * @param file an empty file
   */
  void copyInto(Path file) {
    lockWriter();
    try {
      context.checkOpen();
      writer.vacuumInto(file);
    } catch (SQLException e) {
      throw errors.map(e, "snapshot");
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Whether the database lives in memory (one connection, no file to open a reader on).
   *
   * @return {@code true} for {@code sqlite::memory:}
   */
  boolean inMemory() {
    return settings.inMemory();
  }

  /**
   * The store's mapping of SQLite's failures.
   *
   * @return it
   */
  SqliteErrors errors() {
    return errors;
  }

  /**
   * Closes every connection. The store's core calls this once no other call is in flight; a write
   * of this thread may still be open (a fenced action closing its own store), and closing its
   * connection rolls it back.
   */
  void close() {
    List<Connection> all = new ArrayList<>(readers);
    all.add(writer.connection());
    closeAll(all);
  }

  private static void closeAll(List<Connection> connections) {
    for (Connection c : connections) {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.warn("closing a sqlite connection failed: {}", e.getMessage());
      }
    }
  }
}
