package dev.harbor.state.cli.bench;

import static dev.harbor.state.cli.bench.StoreTarget.KIND;
import static dev.harbor.state.cli.bench.StoreTarget.RUN;
import static dev.harbor.state.cli.bench.StoreTarget.TENANT;
import static dev.harbor.state.cli.bench.StoreTarget.USER;
import static dev.harbor.state.cli.bench.StoreTarget.session;

import dev.harbor.state.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bare baselines: what the backend does for the same work without the store around it. Each is
 * the obvious loop an application would write by hand, with the same durability, pragmas and pool
 * size as the store it is compared to.
 */
final class Baselines {

  private Baselines() {}

  /**
   * A {@link ConcurrentHashMap} of slot to (event id, payload): the floor under the in-memory
   * store.
   */
  static final class MapBaseline implements BenchTarget {
    private record Key(String tenant, String user, String session, String run, String kind) {}

    // A plain map value: the baseline never compares two values.
    @SuppressWarnings("ArrayRecordComponent")
    private record Value(String eventId, byte[] payload) {}

    private final ConcurrentHashMap<Key, Value> map = new ConcurrentHashMap<>();

    private static Key key(int slot) {
      return new Key(TENANT, USER, session(slot), RUN, KIND);
    }

    @Override
    public String name() {
      return "map";
    }

    @Override
    public void save(int slot, String eventId, byte[] payload) {
      map.put(key(slot), new Value(eventId, payload));
    }

    @Override
    public int load(int slot) {
      Value v = map.get(key(slot));
      return v == null ? -1 : v.payload().length;
    }

    @Override
    public void saveAll(int firstSlot, String[] eventIds, byte[] payload) {
      for (int i = 0; i < eventIds.length; i++) {
        save(firstSlot + i, eventIds[i], payload);
      }
    }

    @Override
    public void close() {
      map.clear();
    }
  }

  /**
   * A bare sqlite-jdbc loop on its own file with the store's pragmas (WAL, the same synchronous
   * mode) and its table shape: one write connection under a lock (SQLite has one writer) with the
   * upsert prepared once, autocommit, so one durable commit per save; a pool of read connections
   * for loads, as many as the store's readers.
   */
  static final class SqliteBaseline implements BenchTarget {
    static final String DDL =
        "CREATE TABLE IF NOT EXISTS harbor_state_records (tenant_id TEXT NOT NULL, user_id TEXT"
            + " NOT NULL, session_id TEXT NOT NULL, run_id TEXT NOT NULL, kind TEXT NOT NULL, event_id TEXT NOT NULL,"
            + " version INTEGER NOT NULL, payload BLOB NOT NULL, updated_at INTEGER NOT NULL,"
            + " PRIMARY KEY (tenant_id, user_id, session_id, run_id, kind));"
            + " CREATE UNIQUE INDEX IF NOT EXISTS harbor_state_records_event_id ON harbor_state_records (event_id);"
            + " CREATE INDEX IF NOT EXISTS harbor_state_records_kind ON harbor_state_records (kind)";
    static final String UPSERT =
        "INSERT INTO harbor_state_records (tenant_id, user_id, session_id, run_id, kind,"
            + " event_id, version, payload, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (tenant_id, user_id, session_id, run_id, kind) DO UPDATE SET event_id = excluded.event_id,"
            + " version = excluded.version, payload = excluded.payload, updated_at = excluded.updated_at";
    static final String LOAD =
        "SELECT event_id, version, payload, updated_at FROM harbor_state_records"
            + " WHERE tenant_id = ? AND user_id = ? AND session_id = ? AND run_id = ? AND kind = ?";

    /** A connection with its statements, prepared once. */
    private record Conn(
        Connection c, PreparedStatement upsert, PreparedStatement load, Statement plain) {
      static Conn of(Connection c) throws SQLException {
        return new Conn(
            c, c.prepareStatement(UPSERT), c.prepareStatement(LOAD), c.createStatement());
      }
    }

    private final ReentrantLock writeLock = new ReentrantLock();
    private final Conn writer;
    private final List<Conn> all = new ArrayList<>();
    private final BlockingQueue<Conn> readers;

    /**
     * Opens the baseline.
     *
     * @param connect opens one connection to the baseline's database
     * @param synchronous the store's synchronous mode
     * @param readers read connections (0: the in-memory form, reads share the writer)
     * @param file whether the database is a file (WAL) rather than memory
     */
    SqliteBaseline(JdbcConnector connect, String synchronous, int readers, boolean file) {
      try {
        Connection w = connect.open();
        try (Statement s = w.createStatement()) {
          if (file) {
            s.execute("PRAGMA journal_mode = WAL");
          }
          s.execute("PRAGMA synchronous = " + synchronous);
          s.execute("PRAGMA busy_timeout = 30000");
          s.executeUpdate(DDL);
        }
        writer = Conn.of(w);
        all.add(writer);
        this.readers = new ArrayBlockingQueue<>(Math.max(1, readers));
        for (int i = 0; i < readers; i++) {
          Connection r = connect.open();
          try (Statement s = r.createStatement()) {
            s.execute("PRAGMA synchronous = " + synchronous);
            s.execute("PRAGMA busy_timeout = 30000");
          }
          Conn conn = Conn.of(r);
          all.add(conn);
          this.readers.add(conn);
        }
      } catch (SQLException e) {
        close();
        throw new StorageException("cannot open the sqlite baseline: " + e.getMessage(), false, e);
      }
    }

    @Override
    public String name() {
      return "sqlite-jdbc";
    }

    @Override
    public void save(int slot, String eventId, byte[] payload) {
      writeLock.lock();
      try {
        bind(writer.upsert(), slot, eventId, payload);
        writer.upsert().executeUpdate();
      } catch (SQLException e) {
        throw failed(e);
      } finally {
        writeLock.unlock();
      }
    }

    @Override
    public int load(int slot) {
      if (readers.isEmpty() && all.size() == 1) {
        writeLock.lock();
        try {
          return read(writer, slot);
        } finally {
          writeLock.unlock();
        }
      }
      Conn r = take(readers);
      try {
        return read(r, slot);
      } finally {
        readers.add(r);
      }
    }

    private static int read(Conn conn, int slot) {
      try {
        PreparedStatement p = conn.load();
        bindSlot(p, slot);
        return payloadLength(p);
      } catch (SQLException e) {
        throw failed(e);
      }
    }

    @Override
    public void saveAll(int firstSlot, String[] eventIds, byte[] payload) {
      writeLock.lock();
      try {
        writer.plain().execute("BEGIN IMMEDIATE");
        boolean done = false;
        try {
          PreparedStatement p = writer.upsert();
          for (int i = 0; i < eventIds.length; i++) {
            bind(p, firstSlot + i, eventIds[i], payload);
            p.executeUpdate();
          }
          writer.plain().execute("COMMIT");
          done = true;
        } finally {
          if (!done) {
            writer.plain().execute("ROLLBACK");
          }
        }
      } catch (SQLException e) {
        throw failed(e);
      } finally {
        writeLock.unlock();
      }
    }

    private static void bind(PreparedStatement p, int slot, String eventId, byte[] payload)
        throws SQLException {
      bindSlot(p, slot);
      p.setString(6, eventId);
      p.setLong(7, 1);
      p.setBytes(8, payload);
      p.setLong(9, System.currentTimeMillis() * 1000);
    }

    @Override
    public void close() {
      for (Conn c : all) {
        try {
          c.c().close();
        } catch (SQLException e) {
          // Closing a bench connection: nothing to do about it.
        }
      }
      all.clear();
    }
  }

  /**
   * A bare pgjdbc loop of the baseline statements (the pgbench table's upsert, primary-key select
   * and 100-row upsert) over a plain pool of as many connections as the store's pool: borrow,
   * prepare (pgjdbc switches to a server-side prepared statement after a few uses, as for the
   * store), execute in autocommit, return. Its connections' search path is a scratch schema of its
   * own, where it creates the pgbench table.
   */
  static final class PostgresBaseline implements BenchTarget {
    private final String upsert;
    private final String load;
    private final String batch;
    private final List<Connection> all = new ArrayList<>();
    private final BlockingQueue<Connection> pool;

    PostgresBaseline(JdbcConnector connect, int poolSize) {
      String cols =
          "tenant_id, user_id, session_id, run_id, kind, event_id, version, bytes, updated_at";
      String set =
          " ON CONFLICT (tenant_id, user_id, session_id, run_id, kind) DO UPDATE SET event_id ="
              + " EXCLUDED.event_id, version = EXCLUDED.version, bytes = EXCLUDED.bytes, updated_at = EXCLUDED.updated_at";
      upsert =
          "INSERT INTO "
              + Pgbench.TABLE
              + " ("
              + cols
              + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
              + set;
      load =
          "SELECT event_id, version, bytes, updated_at FROM "
              + Pgbench.TABLE
              + " WHERE tenant_id = ? AND user_id = ? AND session_id = ? AND run_id = ? AND kind = ?";
      batch =
          "INSERT INTO "
              + Pgbench.TABLE
              + " ("
              + cols
              + ") SELECT CAST(? AS text), CAST(? AS text), u.s, CAST(? AS text),"
              + " CAST(? AS text), u.e, CAST(? AS bigint), u.b, CAST(? AS timestamptz)"
              + " FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bytea[])) AS u(s, e, b)"
              + set;
      pool = new ArrayBlockingQueue<>(poolSize);
      try {
        try (Connection c = connect.open();
            Statement s = c.createStatement()) {
          s.execute(Pgbench.DDL);
        }
        for (int i = 0; i < poolSize; i++) {
          Connection c = connect.open();
          all.add(c);
          pool.add(c);
        }
      } catch (SQLException e) {
        close();
        throw new StorageException(
            "cannot open the postgres baseline pool: " + e.getMessage(), true, e);
      }
    }

    @Override
    public String name() {
      return "jdbc";
    }

    private <T> T with(SqlWork<T> work) {
      Connection c = take(pool);
      try {
        return work.run(c);
      } catch (SQLException e) {
        throw failed(e);
      } finally {
        pool.add(c);
      }
    }

    @Override
    public void save(int slot, String eventId, byte[] payload) {
      with(
          c -> {
            try (PreparedStatement p = c.prepareStatement(upsert)) {
              bindSlot(p, slot);
              p.setString(6, eventId);
              p.setLong(7, 1);
              p.setBytes(8, payload);
              p.setObject(9, OffsetDateTime.now(ZoneOffset.UTC));
              return p.executeUpdate();
            }
          });
    }

    @Override
    public int load(int slot) {
      return with(
          c -> {
            try (PreparedStatement p = c.prepareStatement(load)) {
              bindSlot(p, slot);
              return payloadLength(p);
            }
          });
    }

    @Override
    public void saveAll(int firstSlot, String[] eventIds, byte[] payload) {
      with(
          c -> {
            try (PreparedStatement p = c.prepareStatement(batch)) {
              String[] sessions = new String[eventIds.length];
              byte[][] payloads = new byte[eventIds.length][];
              for (int i = 0; i < eventIds.length; i++) {
                sessions[i] = session(firstSlot + i);
                payloads[i] = payload;
              }
              p.setString(1, TENANT);
              p.setString(2, USER);
              p.setString(3, RUN);
              p.setString(4, KIND);
              p.setLong(5, 1);
              p.setObject(6, OffsetDateTime.now(ZoneOffset.UTC));
              p.setArray(7, c.createArrayOf("text", sessions));
              p.setArray(8, c.createArrayOf("text", eventIds));
              p.setArray(9, c.createArrayOf("bytea", payloads));
              return p.executeUpdate();
            }
          });
    }

    @Override
    public void close() {
      for (Connection c : all) {
        try {
          c.close();
        } catch (SQLException e) {
          // Closing a bench connection: nothing to do about it.
        }
      }
      all.clear();
    }
  }

  /** Opens one JDBC connection. */
  @FunctionalInterface
  interface JdbcConnector {
    Connection open() throws SQLException;
  }

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /** Binds a slot's key (tenant, user, session, run, kind) to parameters 1 to 5. */
  private static void bindSlot(PreparedStatement p, int slot) throws SQLException {
    p.setString(1, TENANT);
    p.setString(2, USER);
    p.setString(3, session(slot));
    p.setString(4, RUN);
    p.setString(5, KIND);
  }

  /** Runs a load; the payload's length (third column), or -1 if the slot is absent. */
  private static int payloadLength(PreparedStatement p) throws SQLException {
    try (ResultSet rs = p.executeQuery()) {
      return rs.next() ? rs.getBytes(3).length : -1;
    }
  }

  /** A pooled connection, waiting for one to come back. */
  private static <T> T take(BlockingQueue<T> pool) {
    try {
      return pool.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static StorageException failed(SQLException e) {
    return new StorageException("baseline statement failed: " + e.getMessage(), false, e);
  }
}
