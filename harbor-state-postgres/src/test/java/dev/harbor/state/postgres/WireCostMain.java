package dev.harbor.state.postgres;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.TestPostgres;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deterministic costs of the PostgreSQL driver per operation (issue 27), for PERFORMANCE.md: what
 * the client sends (round trips, statements executed, statements parsed, i.e. not run from a
 * server-side prepared statement), counted by a proxy that reads the protocol's messages, and the
 * WAL each write generates, read back with {@code pg_waldump} and attributed by relation and
 * transaction id, so other clients of the server do not enter the figure. Not a test; run by hand
 * with the test class path, as root on the server's host (pg_waldump reads pg_wal):
 *
 * <pre>java -cp ... dev.harbor.state.postgres.WireCostMain [OPS] [PG_WALDUMP] [PG_WAL_DIR]</pre>
 *
 * <p>One store, one connection (maxPoolSize=1), one thread: saves of new slots, saves over existing
 * slots (a new event id each), loads of existing slots, and saveAll of 100 new slots; each warmed
 * up first, so the counts are of the steady state.
 */
final class WireCostMain {

  private static final Pattern RECORD =
      Pattern.compile("len \\(rec/tot\\):\\s*(\\d+)/\\s*(\\d+), tx:\\s*(\\d+),.*");
  private static final Pattern REL = Pattern.compile("rel \\d+/\\d+/(\\d+)");

  /** Prints every message a client sends (-Dwirecost.trace=true), for seeing what a count is. */
  private static final boolean TRACE = Boolean.getBoolean("wirecost.trace");

  private WireCostMain() {}

  public static void main(String[] args) throws Exception {
    int ops = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    String waldump = args.length > 1 ? args[1] : "/usr/lib/postgresql/15/bin/pg_waldump";
    String walDir = args.length > 2 ? args[2] : null;
    String schema = TestPostgres.newSchemaName("harbor_wirecost");
    String url = TestPostgres.url(); // postgres://user@host:port/db?...
    Matcher m = Pattern.compile("^[a-z]+://([^@/]+@)?([^:/]+)(?::(\\d+))?/([^?]+).*").matcher(url);
    if (!m.matches()) {
      throw new IllegalArgumentException("cannot read the test URL " + url);
    }
    String user = m.group(1) == null ? "" : m.group(1);
    String host = m.group(2);
    int port = m.group(3) == null ? 5432 : Integer.parseInt(m.group(3));
    String db = m.group(4);
    try (Proxy proxy = new Proxy(host, port);
        Connection admin = TestPostgres.connect()) {
      if (walDir == null) {
        walDir = one(admin, "SHOW data_directory") + "/pg_wal";
      }
      String location =
          "postgres://"
              + user
              + "127.0.0.1:"
              + proxy.port()
              + "/"
              + db
              + "?schema="
              + schema
              + "&maxPoolSize=1";
      System.out.printf(
          "%-22s %9s %9s %9s %9s %10s %10s %6s %10s%n",
          "per operation",
          "roundtrip",
          "executes",
          "parses",
          "unnamedP",
          "WAL rec B",
          "WAL tot B",
          "FPIs",
          "pruning B");
      try (StateStore store = StateStores.open(location)) {
        byte[] payload = new byte[32];
        for (int i = 0; i < payload.length; i++) {
          payload[i] = (byte) (i % 16 + 1);
        }
        Set<String> rels = new HashSet<>();
        for (String oid :
            list(
                admin,
                "SELECT c.relfilenode::text FROM pg_class c JOIN pg_namespace n ON n.oid ="
                    + " c.relnamespace WHERE n.nspname = '"
                    + schema
                    + "' AND c.relfilenode <> 0 UNION SELECT t.relfilenode::text FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class t ON t.oid ="
                    + " c.reltoastrelid WHERE n.nspname = '"
                    + schema
                    + "'")) {
          rels.add(oid);
        }
        int[] next = {0};
        IntConsumer saveNew = i -> store.save(record("n" + next[0]++, payload));
        // Overwrites cycle over slots written once before, each save a new event id.
        int slots = ops;
        for (int i = 0; i < slots; i++) {
          store.save(record("o" + i, payload));
        }
        IntConsumer overwrite = i -> store.save(record("o" + (i % slots), payload));
        IntConsumer load =
            i -> store.find(new Quadruple("t1", "u1", "o" + (i % slots), ""), "session.lifecycle");
        IntConsumer saveAll =
            i -> {
              List<StateRecord> batch = new ArrayList<>(100);
              for (int j = 0; j < 100; j++) {
                batch.add(record("b" + next[0]++, payload));
              }
              store.saveAll(batch);
            };
        measure("save (new slot)", saveNew, ops, proxy, admin, rels, waldump, walDir, true);
        measure("save (overwrite)", overwrite, ops, proxy, admin, rels, waldump, walDir, true);
        measure("load (find)", load, ops, proxy, admin, rels, waldump, walDir, false);
        measure(
            "saveAll (100 new)",
            saveAll,
            Math.max(10, ops / 10),
            proxy,
            admin,
            rels,
            waldump,
            walDir,
            true);
      } finally {
        TestPostgres.dropSchema(schema);
      }
    }
  }

  private static StateRecord record(String session, byte[] payload) {
    return new StateRecord(
        EventId.newId(),
        new Quadruple("t1", "u1", session, ""),
        "session.lifecycle",
        1,
        payload,
        null);
  }

  private static void measure(
      String name,
      IntConsumer op,
      int n,
      Proxy proxy,
      Connection admin,
      Set<String> rels,
      String waldump,
      String walDir,
      boolean wal)
      throws Exception {
    for (int i = 0; i < 10; i++) {
      op.accept(i); // warm-up: pgjdbc prepares a statement on its fifth use
    }
    String start = one(admin, "SELECT pg_current_wal_lsn()");
    proxy.reset();
    for (int i = 0; i < n; i++) {
      op.accept(i);
    }
    Map<Character, Long> c = proxy.snapshot();
    String end = one(admin, "SELECT pg_current_wal_lsn()");
    long[] walBytes = wal ? wal(waldump, walDir, start, end, rels) : new long[] {0, 0, 0, 0};
    double d = n;
    System.out.printf(
        "%-22s %9.2f %9.2f %9.2f %9.2f %10.1f %10.1f %6.2f %10.1f%n",
        name,
        c.getOrDefault('S', 0L) / d, // pgjdbc pipelines its BEGIN ('Q') with what follows
        (c.getOrDefault('E', 0L) + c.getOrDefault('Q', 0L)) / d,
        c.getOrDefault('P', 0L) / d,
        c.getOrDefault('p', 0L) / d,
        walBytes[0] / d,
        walBytes[1] / d,
        walBytes[2] / d,
        walBytes[3] / d);
  }

  /**
   * The WAL of the store's transactions between two positions: the records on the store's
   * relations, and every record of a transaction that wrote one (its commit record).
   *
   * @return record bytes without full-page images, with them, the number of full-page images, and
   *     the record bytes of page pruning (part of the first)
   */
  private static long[] wal(
      String waldump, String walDir, String start, String end, Set<String> rels)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(waldump, "-p", walDir, "-s", start, "-e", end)
            .redirectErrorStream(true)
            .start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
      }
    }
    p.waitFor();
    Set<String> xids = new HashSet<>();
    for (String line : lines) {
      Matcher rec = RECORD.matcher(line);
      Matcher rel = REL.matcher(line);
      if (rec.find() && rel.find() && rels.contains(rel.group(1)) && !rec.group(3).equals("0")) {
        xids.add(rec.group(3));
      }
    }
    long recBytes = 0;
    long totBytes = 0;
    long fpis = 0;
    long pruned = 0;
    for (String line : lines) {
      Matcher rec = RECORD.matcher(line);
      if (!rec.find()) {
        continue;
      }
      Matcher rel = REL.matcher(line);
      boolean ours = xids.contains(rec.group(3)) || (rel.find() && rels.contains(rel.group(1)));
      if (ours && Boolean.getBoolean("wirecost.wal")) {
        System.out.println("  " + line.replaceAll("lsn: \\S+ prev \\S+ ", ""));
      }
      if (ours) {
        recBytes += Long.parseLong(rec.group(1));
        totBytes += Long.parseLong(rec.group(2));
        if (line.contains(" FPW")) {
          fpis++;
        }
        if (rec.group(3).equals("0")) {
          // Page pruning on the store's pages, no transaction's: whether it happens depends on
          // other clients' snapshots too (the xmin horizon), so it is shown apart.
          pruned += Long.parseLong(rec.group(1));
        }
      }
    }
    return new long[] {recBytes, totBytes, fpis, pruned};
  }

  private static String one(Connection c, String sql) throws Exception {
    return list(c, sql).get(0);
  }

  private static List<String> list(Connection c, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /**
   * A TCP proxy that counts the frontend messages clients send, by type: 'S' Sync (the client then
   * waits for the server's ReadyForQuery: a round trip), 'Q' simple query (pgjdbc sends its BEGIN
   * so, in the same flight as the statement after it), 'E' Execute, 'P' Parse and 'p' for a Parse
   * of the unnamed statement (one not kept on the server).
   */
  private static final class Proxy implements AutoCloseable {
    private final ServerSocket listener;
    private final String host;
    private final int port;
    private final Map<Character, AtomicLong> counts = new TreeMap<>();
    private final List<Socket> sockets = new ArrayList<>();

    Proxy(String host, int port) throws IOException {
      this.host = host;
      this.port = port;
      this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      for (char t : new char[] {'S', 'Q', 'E', 'P', 'p'}) {
        counts.put(t, new AtomicLong());
      }
      Thread accept = new Thread(this::accept, "wirecost-accept");
      accept.setDaemon(true);
      accept.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    void reset() {
      counts.values().forEach(a -> a.set(0));
    }

    Map<Character, Long> snapshot() {
      Map<Character, Long> out = new TreeMap<>();
      counts.forEach((k, v) -> out.put(k, v.get()));
      return out;
    }

    private void accept() {
      while (!listener.isClosed()) {
        try {
          Socket client = listener.accept();
          Socket server = new Socket(host, port);
          client.setTcpNoDelay(true);
          server.setTcpNoDelay(true);
          synchronized (sockets) {
            sockets.add(client);
            sockets.add(server);
          }
          daemon(() -> pumpCounting(client.getInputStream(), server.getOutputStream()));
          daemon(() -> pump(server.getInputStream(), client.getOutputStream()));
        } catch (IOException e) {
          return;
        }
      }
    }

    private static void daemon(IoRunnable r) {
      Thread t =
          new Thread(
              () -> {
                try {
                  r.run();
                } catch (IOException e) {
                  // the connection ended
                }
              });
      t.setDaemon(true);
      t.start();
    }

    private static void pump(InputStream in, OutputStream out) throws IOException {
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
        out.flush();
      }
    }

    /** Forwards message by message, counting each by its type. */
    private void pumpCounting(InputStream raw, OutputStream rawOut) throws IOException {
      DataInputStream in = new DataInputStream(new BufferedInputStream(raw));
      OutputStream out = new BufferedOutputStream(rawOut);
      // Untyped first messages: SSLRequest or GSSENCRequest (then the startup) and the startup.
      while (true) {
        int len = in.readInt();
        byte[] body = new byte[len - 4];
        in.readFully(body);
        out.write(
            new byte[] {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len});
        out.write(body);
        out.flush();
        int code =
            ((body[0] & 0xff) << 24)
                | ((body[1] & 0xff) << 16)
                | ((body[2] & 0xff) << 8)
                | (body[3] & 0xff);
        if (code != 80877103 && code != 80877104) {
          break;
        }
      }
      while (true) {
        int type = in.read();
        if (type < 0) {
          throw new EOFException();
        }
        int len = in.readInt();
        byte[] body = new byte[len - 4];
        in.readFully(body);
        AtomicLong a = counts.get((char) type);
        if (a != null) {
          a.incrementAndGet();
        }
        if (type == 'P' && body.length > 0 && body[0] == 0) {
          counts.get('p').incrementAndGet();
        }
        if (TRACE) {
          String text = new String(body, StandardCharsets.UTF_8).replaceAll("[\\x00-\\x1f]", "|");
          System.out.println(
              "  " + (char) type + " " + text.substring(0, Math.min(140, text.length())));
        }
        out.write(type);
        out.write(
            new byte[] {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len});
        out.write(body);
        if (type == 'S' || type == 'Q' || type == 'H' || type == 'X') {
          out.flush(); // the client waits for an answer now
        }
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
      synchronized (sockets) {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }

  @FunctionalInterface
  private interface IoRunnable {
    void run() throws IOException;
  }
}
