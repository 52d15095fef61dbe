package dev.harbor.state.postgres;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.TestPostgres;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The cost of issue 24's bounded lock footprint on saveAll: the same saveAll statement run with the
 * locks of before (one exclusive lock per session) and of now ({@link SlotLocks#batchKeys}, at most
 * 16 per tenant), alternating, on one connection, each in its own transaction with its commit; the
 * keys' computation is timed with each. Not a test; run by hand with the test class path:
 *
 * <pre>
 * java -cp ... dev.harbor.state.postgres.LockFootprintMain [ROUNDS] [SESSIONS...]
 * </pre>
 *
 * Defaults: 5 rounds of batches of 1, 100, 1,000 and 4,000 sessions (one record each; the old locks
 * cannot do much more than 6,000 on a default server).
 */
final class LockFootprintMain {

  private LockFootprintMain() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int[] sizes =
        args.length > 1
            ? Arrays.stream(args).skip(1).mapToInt(Integer::parseInt).toArray()
            : new int[] {1, 100, 1_000, 4_000};
    TestPostgres.ensureReachable();
    String schema = TestPostgres.newSchemaName("harbor_lockcost");
    try (StateStore store = StateStores.open(StateConfig.parse(TestPostgres.location(schema)));
        Connection c = TestPostgres.connect()) {
      store.find(new Quadruple("t", "u", "s", ""), "k"); // migrated
      c.setAutoCommit(false);
      SlotLocks locks = new SlotLocks(schema);
      PgSql sql = new PgSql("\"" + schema + "\"");
      byte[] oldNamespace = frame("harbor-state/scope-lock/v1", schema);
      Function<List<Identity>, Long[]> before =
          scopes ->
              scopes.stream()
                  .map(s -> oldKey(oldNamespace, s))
                  .distinct()
                  .sorted()
                  .toArray(Long[]::new);
      Function<List<Identity>, Long[]> now = locks::batchKeys;
      System.out.println("sessions | locks before | locks now | before rec/s | now rec/s");
      for (int size : sizes) {
        double[] rates = new double[2];
        long[] counts = new long[2];
        for (int round = 0; round < rounds + 1; round++) {
          for (int which = 0; which < 2; which++) {
            List<StateRecord> batch = batch(size, round * 2 + which);
            long start = System.nanoTime();
            Long[] keys =
                (which == 0 ? before : now)
                    .apply(batch.stream().map(r -> r.identity().identity()).toList());
            run(c, sql, keys, batch);
            long nanos = System.nanoTime() - start;
            if (round > 0) { // the first round warms up
              rates[which] += size / (nanos / 1e9) / rounds;
            }
            counts[which] = keys.length;
          }
        }
        System.out.printf(
            "%d | %d | %d | %.0f | %.0f%n", size, counts[0], counts[1], rates[0], rates[1]);
      }
      readConditionsSideBySide(c, sql, locks, rounds);
    } finally {
      TestPostgres.dropSchema(schema);
    }
  }

  /**
   * The first round trip of a one-slot saveIf (its locks and reads, then a rollback), without and
   * with the table's ROW SHARE lock that issue 24 added to it, alternating.
   */
  private static void readConditionsSideBySide(Connection c, PgSql sql, SlotLocks locks, int rounds)
      throws Exception {
    String now = sql.readConditions;
    String before = now.replace("LOCK TABLE " + sql.table + " IN ROW SHARE MODE; ", "");
    if (before.equals(now)) {
      throw new IllegalStateException("no ROW SHARE lock in readConditions");
    }
    int calls = 2_000;
    double[] rates = new double[2];
    for (int round = 0; round < rounds + 1; round++) {
      for (int which = 0; which < 2; which++) {
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
          Quadruple q = new Quadruple("t", "u", "s" + i, "");
          SlotLocks.Keys keys = locks.boundedKeys(List.of(new SlotLocks.Slot(q, "k")));
          try (PreparedStatement p = c.prepareStatement(which == 0 ? before : now)) {
            int j = PgStore.bindLocks(c, p, keys);
            for (String v : new String[] {"t", "u", "s" + i, "", "k"}) {
              p.setArray(j++, c.createArrayOf("text", new String[] {v}));
            }
            p.setArray(j, c.createArrayOf("text", new String[] {"e" + i}));
            p.execute();
            while (p.getMoreResults() || p.getUpdateCount() != -1) {
              // every result, to the rows
            }
          }
          c.rollback();
        }
        if (round > 0) {
          rates[which] += calls / ((System.nanoTime() - start) / 1e9) / rounds;
        }
      }
    }
    System.out.printf(
        "saveIf's first round trip, calls/s: before %.0f | now (ROW SHARE) %.0f%n",
        rates[0], rates[1]);
  }

  private static void run(Connection c, PgSql sql, Long[] keys, List<StateRecord> batch)
      throws Exception {
    try (PreparedStatement p = c.prepareStatement(sql.saveAll)) {
      p.setArray(1, c.createArrayOf("bigint", keys));
      PgStore.bindRecords(c, p, 2, batch);
      p.execute();
      p.getMoreResults();
      try (ResultSet rs = p.getResultSet()) {
        rs.next();
        if (rs.getLong(1) != batch.size()) {
          throw new IllegalStateException("wrote " + rs.getLong(1) + " of " + batch.size());
        }
      }
    }
    c.commit();
  }

  private static List<StateRecord> batch(int size, int generation) {
    List<StateRecord> out = new ArrayList<>(size);
    Instant now = Instant.now();
    for (int i = 0; i < size; i++) {
      out.add(
          new StateRecord(
              EventId.of("g" + generation + "-" + i),
              new Quadruple("t", "u", "s" + i, ""),
              "k",
              1,
              ("v" + i).getBytes(StandardCharsets.UTF_8),
              now));
    }
    return out;
  }

  /** The session lock key of the protocol before issue 24. */
  private static long oldKey(byte[] namespace, Identity s) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(namespace);
      sha.update(frame(s.tenantId(), s.userId(), s.sessionId()));
      return ByteBuffer.wrap(sha.digest()).getLong();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] frame(String... parts) {
    ByteBuffer out = ByteBuffer.allocate(4096);
    for (String part : parts) {
      byte[] b = part.getBytes(StandardCharsets.UTF_8);
      out.putInt(b.length).put(b);
    }
    return Arrays.copyOf(out.array(), out.position());
  }
}
