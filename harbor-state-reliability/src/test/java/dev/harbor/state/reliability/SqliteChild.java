package dev.harbor.state.reliability;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A second process for the SQLite fault tests. {@code batches FILE FIRST}: writes batches of
 * {@value #BATCH} records with {@code saveAll} forever, printing each batch number once it
 * returned. {@code lock FILE}: holds an exclusive lock on the database, prints {@code locked}, and
 * sleeps until killed.
 */
final class SqliteChild {

  static final int BATCH = 50;

  private SqliteChild() {}

  public static void main(String[] args) throws Exception {
    String file = args[1];
    if (args[0].equals("batches")) {
      try (StateStore store = StateStores.open("sqlite:" + file)) {
        for (int batch = Integer.parseInt(args[2]); ; batch++) {
          store.saveAll(batch(batch));
          System.out.println("batch " + batch);
          System.out.flush();
        }
      }
    }
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + new File(file).getAbsolutePath());
        Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute("BEGIN EXCLUSIVE");
      System.out.println("locked");
      System.out.flush();
      TimeUnit.MINUTES.sleep(5);
    }
  }

  /**
   * The records of one batch: slots and ids named after the batch, so a test can count each batch's
   * rows.
   */
  static List<StateRecord> batch(int batch) {
    List<StateRecord> records = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      records.add(
          StateRecord.of(
              EventId.of("b" + batch + "-" + i),
              new Quadruple("batch", "u", "s", "b" + batch),
              "k" + i,
              ("payload " + batch + "/" + i).getBytes(StandardCharsets.UTF_8)));
    }
    return records;
  }
}
