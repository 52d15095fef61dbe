package dev.harbor.state.postgres;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Makes an operation's settings ({@code statement_timeout}, {@code lock_timeout}, READ COMMITTED)
 * local to the operation's own transaction, in the same round trip as its first statement, so that
 * nothing is ever left on a database session (issue 14).
 *
 * <p>Why: behind a transaction pooler (PgBouncer {@code pool_mode=transaction}) consecutive
 * transactions of one client connection run on different server connections. A setting made once
 * per session would land on whichever server connection the pooler picked, leaving other clients
 * with our timeouts and our own later transactions without them. A transaction-local setting
 * travels with the transaction wherever the pooler sends it, and costs nothing extra: the prelude
 * is prepended to the statement's text, which pgjdbc sends in the same message flush.
 *
 * <p>The operation's work sees a view of its connection whose statements carry the prelude and hide
 * its results: {@code execute}, {@code executeQuery} and {@code executeUpdate} answer exactly as
 * the statement alone would. In autocommit mode every statement is its own (implicit) transaction,
 * so every statement carries the timeouts; in a transaction only the first does, after {@code SET
 * TRANSACTION ISOLATION LEVEL READ COMMITTED} (which must come before any query).
 *
 * <p>The timeouts use {@code set_config(..., true)} rather than {@code SET LOCAL}: outside a {@code
 * BEGIN} block (an autocommit statement) {@code SET LOCAL} works but the server logs a WARNING each
 * time; {@code set_config} is silent. Isolation cannot be set that way (a {@code SELECT} takes a
 * snapshot first), so autocommit statements rely on the server's default being READ COMMITTED,
 * which the store checks at open ({@link #forDefaultIsolation}); where it is not, they carry {@code
 * SET TRANSACTION} too, and the server logs a warning per write.
 *
 * <p>The same SELECT declares the work's tenants ({@link PgScope}, SPEC 9.4): {@value #TENANTS}
 * holds them (a parameter, bound first, so the view shifts the statement's own parameters by one),
 * or {@value #SCOPE} holds {@code all} for maintenance. The row-level security policy of migration
 * V0003 reads them, where the table enforces it ({@code rowSecurity=on}); elsewhere they cost one
 * bound array and two set_config calls, in the round trip the statement makes anyway.
 */
final class PgLocalSettings {

  /** The setting that holds a unit of work's tenants ({@link PgScope}), as a text[] literal. */
  static final String TENANTS = "harbor_state.tenants";

  /** The setting that holds {@code all} for maintenance, which sees every tenant's rows. */
  static final String SCOPE = "harbor_state.scope";

  /**
   * What tells one server run (incarnation) from another: the postmaster's start and the last reset
   * of the shared statistics, which a restart and every crash recovery reset ("when recovering from
   * an unclean shutdown … all statistics counters are reset"). A transaction id names one
   * transaction only within a run: after a crash an id that never reached the durable WAL is given
   * out again, and another server (a promoted standby) numbers its own. As epoch seconds, so the
   * session's TimeZone and DateStyle do not enter the comparison. (An operator's {@code
   * pg_stat_reset_shared} changes it too: a commit that broke just then is reported as unknown,
   * which is never wrong.)
   */
  static final String INCARNATION =
      "concat(extract(epoch FROM pg_postmaster_start_time()), ' ',"
          + " extract(epoch FROM pg_stat_get_bgwriter_stat_reset_time()))";

  /** Receives what a write transaction's first statement learned about it. */
  @FunctionalInterface
  interface Identified {
    /**
     * The transaction is known.
     *
     * @param xid its id ({@code pg_current_xact_id()}, as text)
     * @param incarnation the server run it runs in ({@link #INCARNATION})
     */
    void accept(String xid, String incarnation);
  }

  /**
   * SQL run before a statement, in the same round trip, the number of results it adds, and whether
   * its last result is the transaction's identity (id and incarnation, columns 3 and 4).
   */
  private record Prelude(
      String sql,
      int results,
      boolean identifies,
      @Nullable List<String> tenants,
      boolean takesLocks) {
    static final Prelude NONE = new Prelude("", 0, false, null, false);

    /**
     * The store's lock SELECTs ({@link PgSql}) that a statement may begin with, whose one row no
     * caller reads: a prelude takes them into its last SELECT ({@link #taking}).
     */
    private static final List<String> LOCKS =
        List.of(PgSql.LOCK_SLOT, PgSql.LOCK_SLOTS, PgSql.LOCK_SCOPES, PgSql.LOCK_SCOPE);

    Prelude(String sql, int results, boolean identifies) {
      this(sql, results, identifies, null, false);
    }

    /**
     * The SQL to prepare for a statement that carries this prelude, and the prelude that describes
     * it. A statement that begins with one of the store's lock SELECTs gets its columns appended to
     * the prelude's last SELECT, after the settings, so one statement fewer runs (issue 27): the
     * target list is evaluated in order, so lock_timeout is set before a lock is waited for, and
     * the prelude's columns keep their places. That SELECT's row is then the statement's own first
     * result, which the view does not step past.
     *
     * @param statement the statement's SQL
     * @return the prelude and statement as one SQL text, and this prelude or its taking form
     */
    Prelude taking(String statement) {
      if (results > 0 && !takesLocks) {
        for (String lock : LOCKS) {
          if (statement.startsWith(lock)) {
            String columns = lock.substring("SELECT ".length(), lock.length() - 2);
            // Every prelude ends with "; " after its last SELECT.
            String merged =
                sql.substring(0, sql.length() - 2)
                    + ", "
                    + columns
                    + "; "
                    + statement.substring(lock.length());
            return new Prelude(merged, results, identifies, tenants, true);
          }
        }
      }
      return new Prelude(sql + statement, results, identifies, tenants, takesLocks);
    }

    /**
     * The same prelude declaring a scope too: its last SELECT (which ends the prelude) gets the
     * scope's set_config columns after its own, so no result is added and the columns the store
     * reads (the identity's 3 and 4) keep their places. The tenants are a parameter, bound first.
     */
    Prelude declaring(PgScope scope) {
      if (results == 0) {
        return this;
      }
      List<String> list = scope.tenants();
      String columns =
          list == null
              ? ", set_config('"
                  + TENANTS
                  + "', '{}', true), set_config('"
                  + SCOPE
                  + "', 'all', true)"
              : ", set_config('"
                  + TENANTS
                  + "', CAST(CAST(? AS text[]) AS text), true), set_config('"
                  + SCOPE
                  + "', 'tenants', true)";
      // Every prelude ends with "; " after its last SELECT.
      return new Prelude(
          sql.substring(0, sql.length() - 2) + columns + "; ", results, identifies, list, false);
    }
  }

  /** What every autocommit statement carries. */
  private final Prelude autoCommit;

  /** What the first statement of a transaction carries. */
  private final Prelude transaction;

  /** What the first statement of a write transaction carries: also the transaction's identity. */
  private final Prelude writeTransaction;

  /** Whether the server's default isolation is READ COMMITTED (autocommit then omits it). */
  private final boolean defaultIsReadCommitted;

  private PgLocalSettings(
      Prelude autoCommit,
      Prelude transaction,
      Prelude writeTransaction,
      boolean defaultIsReadCommitted) {
    this.autoCommit = autoCommit;
    this.transaction = transaction;
    this.writeTransaction = writeTransaction;
    this.defaultIsReadCommitted = defaultIsReadCommitted;
  }

  /**
   * The same settings with other timeouts: for a call that has less than operationTimeout left.
   *
   * @param timeout bounds every statement and lock wait
   * @return the settings
   */
  PgLocalSettings withTimeout(Duration timeout) {
    return forDefaultIsolation(timeout, defaultIsReadCommitted);
  }

  /**
   * The settings of a store.
   *
   * @param operationTimeout bounds every statement and lock wait (CONTRACT.md 4.13)
   * @param defaultIsReadCommitted whether the server's default isolation, as seen at open, is READ
   *     COMMITTED; if not, autocommit statements pin it too
   * @return the settings
   */
  static PgLocalSettings forDefaultIsolation(
      Duration operationTimeout, boolean defaultIsReadCommitted) {
    long millis = Math.max(1, operationTimeout.toMillis());
    // A number the store computed, not input: inlined, so the prelude binds no parameter and the
    // statement's own parameters keep their positions.
    String setTimeouts =
        "SELECT set_config('statement_timeout', '"
            + millis
            + "', true), set_config('lock_timeout', '"
            + millis
            + "', true)";
    String timeouts = setTimeouts + "; ";
    String isolation = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; ";
    Prelude both = new Prelude(isolation + timeouts, 2, false);
    // The id is assigned here, before the first write (it would be at the first write anyway), so
    // that a commit whose answer is lost can be looked up (PgDatabase#call). A write's transaction
    // never waits for its client between statements longer than operationTimeout, except when the
    // client is gone unheard (a network that failed silently, say while the COMMIT was on its way):
    // the server then ends it after that long, instead of holding its slots' locks until TCP
    // keepalive notices.
    Prelude identified =
        new Prelude(
            isolation
                + setTimeouts
                + ", CAST(pg_current_xact_id() AS text), "
                + INCARNATION
                + ", set_config('idle_in_transaction_session_timeout', '"
                + millis
                + "', true); ",
            2,
            true);
    return new PgLocalSettings(
        defaultIsReadCommitted ? new Prelude(timeouts, 1, false) : both,
        both,
        identified,
        defaultIsReadCommitted);
  }

  /**
   * A view of a connection for one unit of work.
   *
   * @param c the connection
   * @param scope the tenants the work reads and writes
   * @return the view; closing its statements closes the real ones; the caller closes {@code c}
   */
  Connection scope(Connection c, PgScope scope) {
    return view(new ConnectionView(c, null, scope, false));
  }

  /**
   * A view of a connection for the migrations at open: maintenance, which sees every row.
   *
   * @param c the connection
   * @return the view
   */
  Connection scope(Connection c) {
    return scope(c, PgScope.ALL);
  }

  /**
   * A view of a connection whose transaction is already under way ({@link PgSnapshot}'s): every
   * statement carries the scope's settings, and nothing else, since the scope may change from one
   * statement to the next.
   *
   * @param c the connection, in a transaction
   * @param scope the tenants the next statements read
   * @return the view
   */
  static Connection inTransaction(Connection c, PgScope scope) {
    PgLocalSettings scopeOnly = new PgLocalSettings(Prelude.NONE, Prelude.NONE, Prelude.NONE, true);
    return view(scopeOnly.new ConnectionView(c, null, scope, true));
  }

  /**
   * A view of a connection for one write transaction: its first statement also learns the
   * transaction's id and the server's incarnation, in the same round trip.
   *
   * @param c the connection, not in autocommit mode
   * @param scope the tenants the work reads and writes
   * @param identified receives the transaction's identity once its first statement ran
   * @return the view
   */
  Connection scopeWrite(Connection c, PgScope scope, Identified identified) {
    return view(new ConnectionView(c, identified, scope, false));
  }

  private static Connection view(ConnectionView handler) {
    return (Connection)
        Proxy.newProxyInstance(
            PgLocalSettings.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  /**
   * The connection view: in autocommit mode every statement carries the prelude; in a transaction
   * the first statement after it began does.
   */
  private final class ConnectionView implements InvocationHandler {
    private final Connection target;
    private final @Nullable Identified identified;
    private final PgScope scope;

    /** Every statement carries the scope (a snapshot's reads), not only a transaction's first. */
    private final boolean everyStatement;

    /** Whether the current transaction has had its prelude. */
    private boolean settled;

    ConnectionView(
        Connection target, @Nullable Identified identified, PgScope scope, boolean everyStatement) {
      this.target = target;
      this.identified = identified;
      this.scope = scope;
      this.everyStatement = everyStatement;
    }

    /**
     * The prelude the next statement carries: {@link Prelude#NONE} once a transaction has had it.
     */
    private Prelude due() throws SQLException {
      if (everyStatement) {
        return new Prelude("SELECT 1; ", 1, false).declaring(scope);
      }
      if (target.getAutoCommit()) {
        return autoCommit.declaring(scope);
      }
      if (settled) {
        return Prelude.NONE;
      }
      settled = true;
      return (identified != null ? writeTransaction : transaction).declaring(scope);
    }

    @Override
    public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args)
        throws Throwable {
      String name = method.getName();
      if (name.equals("commit")
          || name.equals("rollback")
          || (name.equals("setAutoCommit")
              && args != null
              && !args[0].equals(target.getAutoCommit()))) {
        settled = false; // a new transaction begins with the next statement
      }
      if (name.equals("prepareStatement") && args != null && args.length == 1) {
        Prelude due = due();
        String sql = (String) args[0];
        if (due.results() == 0) {
          return target.prepareStatement(sql);
        }
        Prelude carried = due.taking(sql);
        PreparedStatement real = target.prepareStatement(carried.sql());
        List<String> tenants = carried.tenants();
        if (tenants != null) {
          real.setArray(1, target.createArrayOf("text", tenants.toArray()));
        }
        return statement(PreparedStatement.class, real, carried);
      }
      if (name.equals("createStatement") && (args == null || args.length == 0)) {
        return statement(Statement.class, target.createStatement(), null);
      }
      if (name.startsWith("prepare") || (name.startsWith("create") && name.endsWith("Statement"))) {
        // Variants the store does not use: refusing them keeps a statement from running without
        // the operation's timeouts unnoticed.
        throw new UnsupportedOperationException(
            "the store's connection view supports prepareStatement(String) and createStatement()");
      }
      return call(method, target, args);
    }

    /**
     * A statement whose executions hide the prelude's results.
     *
     * @param prepared the prelude a prepared statement carries; null for a plain statement, whose
     *     SQL arrives with each execution and gets the prelude then, if one is due
     */
    private <T extends Statement> T statement(Class<T> type, T real, @Nullable Prelude prepared) {
      InvocationHandler handler =
          (proxy, method, args) -> {
            String name = method.getName();
            if (prepared != null
                && prepared.tenants() != null
                && method.getDeclaringClass() == PreparedStatement.class
                && name.startsWith("set")
                && args != null
                && args[0] instanceof Integer index) {
              // The caller numbers the statement's own parameters; the prelude's tenants come
              // first.
              args = args.clone();
              args[0] = index + 1;
            } else if (prepared != null
                && prepared.tenants() != null
                && name.equals("clearParameters")) {
              throw new UnsupportedOperationException(
                  "the store's connection view binds the prelude's parameters once");
            }
            boolean plain = prepared == null;
            boolean withSql = args != null && args.length == 1 && args[0] instanceof String;
            if (plain == withSql
                && (name.equals("execute")
                    || name.equals("executeQuery")
                    || name.equals("executeUpdate")
                    || name.equals("executeLargeUpdate"))) {
              Prelude due = prepared;
              if (due == null) {
                due = due();
                if (due.tenants() != null) {
                  // A plain statement cannot bind the tenants: tenant-scoped work prepares.
                  throw new UnsupportedOperationException(
                      "a tenant-scoped unit of work runs prepared statements only");
                }
                if (due.results() > 0) {
                  args = new Object[] {due.sql() + args[0]};
                }
              }
              return execute(real, name, args, due, identified);
            }
            if (name.startsWith("execute") || name.equals("addBatch")) {
              throw new UnsupportedOperationException(
                  "the store's connection view runs statements with execute, executeQuery or"
                      + " executeUpdate");
            }
            return call(method, real, args);
          };
      return type.cast(
          Proxy.newProxyInstance(
              PgLocalSettings.class.getClassLoader(), new Class<?>[] {type}, handler));
    }
  }

  /**
   * Runs a statement, steps past the prelude's results (reading the transaction's identity from the
   * last, if it carries it) and answers as the statement alone.
   */
  private static Object execute(
      Statement s,
      String name,
      @Nullable Object[] args,
      Prelude prelude,
      @Nullable Identified identified)
      throws SQLException {
    boolean rows = args == null ? ((PreparedStatement) s).execute() : s.execute((String) args[0]);
    for (int i = 0; i < prelude.results(); i++) {
      boolean last = i == prelude.results() - 1;
      if (rows && prelude.identifies() && identified != null && last) {
        ResultSet rs = s.getResultSet();
        if (rs.next()) {
          identified.accept(rs.getString(3), rs.getString(4));
        }
      }
      if (last && prelude.takesLocks()) {
        break; // its last SELECT took the statement's locks: that row is the statement's own
      }
      rows = s.getMoreResults();
    }
    if (name.equals("execute")) {
      return rows;
    }
    if (name.equals("executeQuery")) {
      if (!rows) {
        throw new SQLException("the statement returned no rows");
      }
      return s.getResultSet();
    }
    if (rows) {
      throw new SQLException("the statement returned rows where an update count was expected");
    }
    if (name.equals("executeLargeUpdate")) {
      return s.getLargeUpdateCount();
    }
    return s.getUpdateCount(); // an Integer, as executeUpdate returns (a ternary would widen it)
  }

  private static @Nullable Object call(Method method, Object target, @Nullable Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
