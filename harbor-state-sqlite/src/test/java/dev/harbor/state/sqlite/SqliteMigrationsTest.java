package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Forward-only migrations: applied once, checked on every open, never edited, verify changes
 * nothing.
 */
class SqliteMigrationsTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2031-02-03T04:05:06.789Z"), ZoneOffset.UTC);
  private static final List<String> THREE =
      List.of("V0001__one.sql", "V0002__two.sql", "V0003__three.sql");

  private final Path dir = TestFiles.newDirectory("harbor-sqlite-migrations");
  private final Path file = dir.resolve("state.db");

  @AfterEach
  void cleanUp() {
    TestFiles.deleteRecursively(dir);
  }

  private static SqliteMigrations testMigrations(List<String> names) {
    return new SqliteMigrations(SqliteMigrationsTest.class, "testmigrations/", names, "test.db");
  }

  private List<List<Object>> ledger() throws SQLException {
    return query(
        "SELECT version, name, checksum, applied_at FROM harbor_state_migrations ORDER BY version");
  }

  private List<List<Object>> query(String sql) throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    try (Connection c = TestFiles.jdbc(file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          row.add(rs.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  private void execute(String sql) throws SQLException {
    try (Connection c = TestFiles.jdbc(file);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Test
  void open_appliesTheShippedMigration_recordingItsChecksum() throws Exception {
    try (StateStore store = SqliteStoreTestBase.openConfig(file.toString(), java.util.Map.of())) {
      store.save(SqliteStoreTestBase.rec("e1", SqliteStoreTestBase.Q, "k", "a"));
    }
    String expected;
    try (InputStream in =
        SqliteMigrations.class.getResourceAsStream("migrations/V0001__init.sql")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
      expected =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
    List<List<Object>> ledger = ledger();
    assertThat(ledger).hasSize(SqliteMigrations.SHIPPED.size());
    assertThat(ledger.get(0).subList(0, 3)).containsExactly(1, "V0001__init.sql", expected);
    assertThat(ledger.get(0).get(3))
        .isEqualTo(
            SqliteStore.micros(
                SqliteStoreTestBase.NOW.truncatedTo(java.time.temporal.ChronoUnit.MICROS)));
  }

  @Test
  void reopen_appliesNothing() throws Exception {
    TestFiles.open(file).close();
    List<List<Object>> before = ledger();
    try (StateStore store = TestFiles.open(file)) {
      store.save(SqliteStoreTestBase.rec("e1", SqliteStoreTestBase.Q, "k", "a"));
    }
    assertThat(ledger()).isEqualTo(before);
    try (Connection c = TestFiles.jdbc(file)) {
      assertThat(SqliteMigrations.shipped("x").apply(c, CLOCK)).isZero();
    }
  }

  @Test
  void editedMigration_stopsTheOpen_sayingWhatToDo() throws Exception {
    TestFiles.open(file).close();
    execute("UPDATE harbor_state_migrations SET checksum = 'abc123' WHERE version = 1");
    assertThatThrownBy(() -> TestFiles.open(file))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isFalse())
        .hasMessageContaining("V0001__init.sql")
        .hasMessageContaining("edited")
        .hasMessageContaining("abc123")
        .hasMessageContaining("new migration");
    assertThatThrownBy(() -> TestFiles.open(file, "migrate", "verify"))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("edited");
  }

  @Test
  void unknownAppliedMigration_stopsTheOpen() throws Exception {
    TestFiles.open(file).close();
    int next = SqliteMigrations.SHIPPED.size() + 1;
    execute(
        "INSERT INTO harbor_state_migrations VALUES (" + next + ", 'V9999__future.sql', 'ff', 0)");
    assertThatThrownBy(() -> TestFiles.open(file))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isFalse())
        .hasMessageContaining("V9999__future.sql")
        .hasMessageContaining("newer harbor-state");
  }

  @Test
  void missingAppliedMigration_stopsTheOpen() throws Exception {
    try (Connection c = TestFiles.jdbc(file)) {
      assertThat(testMigrations(THREE).apply(c, CLOCK)).isEqualTo(3);
    }
    execute("DELETE FROM harbor_state_migrations WHERE version = 2");
    try (Connection c = TestFiles.jdbc(file)) {
      assertThatThrownBy(() -> testMigrations(THREE).apply(c, CLOCK))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("V0002__two.sql is missing");
    }
  }

  @Test
  void newMigrations_areAppliedInOrder_onTopOfApplied() throws Exception {
    try (Connection c = TestFiles.jdbc(file)) {
      assertThat(testMigrations(THREE.subList(0, 1)).apply(c, CLOCK)).isEqualTo(1);
      assertThatThrownBy(() -> testMigrations(THREE).verify(c))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("version 1")
          .hasMessageContaining("version 3")
          .hasMessageContaining("migrate=apply");
      assertThat(testMigrations(THREE).apply(c, CLOCK)).isEqualTo(2);
      testMigrations(THREE).verify(c);
    }
    assertThat(ledger()).extracting(r -> r.get(1)).containsExactlyElementsOf(THREE);
    assertThat(query("SELECT a, b FROM two")).containsExactly(List.of("x;y", 2));
  }

  @Test
  void failingMigration_appliesNothingOfIt() throws Exception {
    SqliteMigrations broken =
        new SqliteMigrations(
            SqliteMigrationsTest.class,
            "brokenmigrations/",
            List.of("V0001__one.sql", "V0002__broken.sql"),
            "b");
    try (Connection c = TestFiles.jdbc(file)) {
      assertThatThrownBy(() -> broken.apply(c, CLOCK))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("V0002__broken.sql")
          .hasCauseInstanceOf(SQLException.class);
    }
    // One exclusive transaction: neither V0001 nor the first half of V0002 stayed.
    assertThat(
            query(
                "SELECT name FROM sqlite_master WHERE name IN ('one', 'half', 'harbor_state_migrations')"))
        .isEmpty();
  }

  @Test
  void verify_ofAMissingFile_failsAndCreatesNothing() {
    assertThatThrownBy(() -> TestFiles.open(file, "migrate", "verify"))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isFalse())
        .hasMessageContaining("does not exist")
        .hasMessageContaining("migrate=apply");
    assertThat(file).doesNotExist();
  }

  @Test
  void verify_onAnEmptyFile_failsAndCreatesNothing() throws Exception {
    java.nio.file.Files.createFile(file);
    assertThatThrownBy(() -> TestFiles.open(file, "migrate", "verify"))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isFalse())
        .hasMessageContaining("migrate=apply");
    assertThat(query("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")).isEmpty();
  }

  @Test
  void verify_onACurrentFile_opens() {
    TestFiles.open(file).close();
    try (StateStore store = TestFiles.open(file, "migrate", "verify")) {
      store.save(SqliteStoreTestBase.rec("e1", SqliteStoreTestBase.Q, "k", "a"));
      assertThat(store.find(SqliteStoreTestBase.Q, "k")).isPresent();
    }
  }

  @Test
  void concurrentOpensOfANewFile_applyEachMigrationOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Void>> opens = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        opens.add(
            pool.submit(
                (Callable<Void>)
                    () -> {
                      TestFiles.open(file).close();
                      return null;
                    }));
      }
      for (Future<Void> f : opens) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(ledger()).hasSize(SqliteMigrations.SHIPPED.size());
  }

  @Test
  void statements_splitAtLineEndSemicolons_skippingComments() {
    assertThat(
            SqliteMigrations.statements(
                "-- c\nCREATE TABLE a (x TEXT,\n y TEXT);\n\nINSERT INTO a VALUES ('p;q', 'r');\n"))
        .containsExactly(
            "CREATE TABLE a (x TEXT,\n y TEXT);", "INSERT INTO a VALUES ('p;q', 'r');");
  }
}
