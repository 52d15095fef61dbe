package dev.harbor.state.sqlite;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Counts the WAL frames (pages) the store writes per save, and which B-tree each belongs to: a
 * deterministic measure of a save's write cost, independent of the machine's load. Not a test; run
 * by hand with the test class path:
 *
 * <pre>
 * java -cp ... dev.harbor.state.sqlite.PagesPerSaveMain [SLOTS] [SAVES] [PER_COMMIT] [PAYLOAD] [new]
 * </pre>
 *
 * <p>It fills {@code SLOTS} slots of the bench's shape (tenant t1, user u1, session s&lt;n&gt;,
 * empty run, kind session.lifecycle), then overwrites random slots (or, with {@code new}, writes
 * new ones) with fresh event ids and random payloads: one {@code save} per commit, or {@code
 * PER_COMMIT} records in one {@code saveAll}, which writes what a group commit of that many saves
 * writes (the same statements in one transaction). A read transaction on a connection of its own
 * holds the WAL's start while the saves run, so no checkpoint copies or restarts it; every frame
 * the saves wrote stays in the file, where its page number is read and looked up in {@code dbstat}.
 */
final class PagesPerSaveMain {

  private static final int WAL_HEADER = 32;
  private static final int FRAME_HEADER = 24;

  private PagesPerSaveMain() {}

  public static void main(String[] args) throws Exception {
    int slots = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int saves = args.length > 1 ? Integer.parseInt(args[1]) : 4_000;
    int perCommit = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    int payloadSize = args.length > 3 ? Integer.parseInt(args[3]) : 32;
    boolean fresh = args.length > 4 && args[4].equals("new");
    Path dir = TestFiles.newDirectory("harbor-pages-per-save");
    Path file = dir.resolve("state.db");
    Path wal = dir.resolve("state.db-wal");
    Random random = new Random(42);
    byte[] payload = new byte[payloadSize];
    try (StateStore store = TestFiles.open(file)) {
      for (int first = 0; first < slots; first += 500) {
        List<StateRecord> batch = new ArrayList<>();
        for (int i = first; i < Math.min(slots, first + 500); i++) {
          random.nextBytes(payload);
          batch.add(record(i, payload));
        }
        store.saveAll(batch);
      }
      try (Connection holder = TestFiles.jdbc(file);
          Statement s = holder.createStatement()) {
        s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        s.execute("BEGIN");
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM harbor_state_records")) {
          rs.next(); // the snapshot is taken: from here on no checkpoint may copy the WAL
        }
        long before = Files.size(wal);
        int next = slots;
        for (int done = 0; done < saves; done += perCommit) {
          List<StateRecord> commit = new ArrayList<>();
          for (int j = 0; j < perCommit; j++) {
            random.nextBytes(payload);
            commit.add(record(fresh ? next++ : random.nextInt(slots), payload));
          }
          if (perCommit == 1) {
            store.save(commit.get(0));
          } else {
            store.saveAll(commit);
          }
        }
        long after = Files.size(wal);
        s.execute("COMMIT");
        report(file, wal, before, after, slots, saves, perCommit, payloadSize, fresh);
      }
    } finally {
      TestFiles.deleteRecursively(dir);
    }
  }

  private static StateRecord record(int slot, byte[] payload) {
    return StateRecord.of(
        EventId.newId(), new Quadruple("t1", "u1", "s" + slot, ""), "session.lifecycle", payload);
  }

  /** Prints the frames a save wrote, by B-tree, and the B-trees' sizes. */
  private static void report(
      Path file,
      Path wal,
      long before,
      long after,
      int slots,
      int saves,
      int perCommit,
      int payloadSize,
      boolean fresh)
      throws SQLException, IOException {
    int pageSize = pageSize(file);
    Map<String, Integer> frames = framesByBTree(file, wal, before, after);
    long bytes = after - Math.max(before, WAL_HEADER);
    System.out.printf(
        "%d slots, %d %s of %d B, %d per commit, page size %d: %.3f pages and %.0f WAL bytes a"
            + " save%n",
        slots,
        saves,
        fresh ? "saves of new slots" : "overwrites",
        payloadSize,
        perCommit,
        pageSize,
        bytes / (double) (FRAME_HEADER + pageSize) / saves,
        bytes / (double) saves);
    frames.forEach((k, v) -> System.out.printf("  %-55s %.3f a save%n", k, v / (double) saves));
    Map<String, Integer> sizes = new TreeMap<>();
    try (Connection c = TestFiles.jdbc(file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name, count(*) FROM dbstat GROUP BY name")) {
      while (rs.next()) {
        sizes.put(rs.getString(1), rs.getInt(2));
      }
    }
    System.out.println("  pages per B-tree after the run: " + sizes);
  }

  static int pageSize(Path file) throws SQLException {
    try (Connection c = TestFiles.jdbc(file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA page_size")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /**
   * The WAL frames between two sizes of the WAL file, counted by the B-tree their page belongs to
   * now ({@code dbstat}; an interior page is named with " (interior)" after its B-tree).
   *
   * @param file the database
   * @param wal its WAL file, which no checkpoint restarted meanwhile
   * @param before the WAL's size before the writes
   * @param after its size after them
   * @return frames by B-tree
   */
  static Map<String, Integer> framesByBTree(Path file, Path wal, long before, long after)
      throws SQLException, IOException {
    int pageSize = pageSize(file);
    Map<Integer, String> owner = new HashMap<>();
    try (Connection c = TestFiles.jdbc(file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name, pageno, pagetype FROM dbstat")) {
      while (rs.next()) {
        owner.put(
            rs.getInt(2),
            rs.getString(1) + ("internal".equals(rs.getString(3)) ? " (interior)" : ""));
      }
    }
    Map<String, Integer> frames = new TreeMap<>();
    try (RandomAccessFile w = new RandomAccessFile(wal.toFile(), "r")) {
      long start = Math.max(before, WAL_HEADER);
      for (long at = start; at + FRAME_HEADER + pageSize <= after; at += FRAME_HEADER + pageSize) {
        w.seek(at);
        frames.merge(owner.getOrDefault(w.readInt(), "(freed since)"), 1, Integer::sum);
      }
    }
    return frames;
  }
}
