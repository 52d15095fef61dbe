package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A database file must be UTF-8: SQLite's BINARY collation compares TEXT in the file's encoding,
 * and the contract orders and matches keys by their UTF-8 bytes. SQLite cannot convert an existing
 * file, so a UTF-16 file is refused at open, untouched.
 */
class SqliteEncodingTest {

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("state.db");
  }

  @ParameterizedTest
  @ValueSource(strings = {"UTF-16le", "UTF-16be"})
  void utf16File_ofAnotherTool_isRefusedAtOpen_namingFileAndEncoding_andLeftUnchanged(
      String encoding) throws Exception {
    try (Connection c = TestFiles.jdbc(file());
        Statement s = c.createStatement()) {
      s.execute("PRAGMA encoding = '" + encoding + "'");
      s.execute("CREATE TABLE notes (body TEXT NOT NULL)");
      s.execute("INSERT INTO notes VALUES ('written by another tool')");
    }
    assertRefusedAndUnchanged(encoding, Map.of());
    assertRefusedAndUnchanged(encoding, Map.of("migrate", "verify"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"UTF-16le", "UTF-16be"})
  void utf16File_holdingTheStoreSchema_isRefusedAtOpen_andLeftUnchanged(String encoding)
      throws Exception {
    // The store's own schema and ledger, created under UTF-16 by plain JDBC, so that neither a
    // missing schema nor migrate=verify stops the open before the encoding does.
    try (Connection c = TestFiles.jdbc(file());
        Statement s = c.createStatement()) {
      s.execute("PRAGMA encoding = '" + encoding + "'");
      SqliteMigrations.shipped(file().toString()).apply(c, Clock.systemUTC());
      s.execute(
          "INSERT INTO harbor_state_records VALUES"
              + " ('t', 'u', 's', '', 'k.\u00FF', 'e1', 0, x'', 0),"
              + " ('t', 'u', 's', '', 'k.\uE000', 'e2', 0, x'', 0)");
    }
    assertRefusedAndUnchanged(encoding, Map.of());
    assertRefusedAndUnchanged(encoding, Map.of("migrate", "verify"));
  }

  @Test
  void newFile_isUtf8() throws Exception {
    try (StateStore store = SqliteStoreTestBase.openConfig(file().toString(), Map.of())) {
      store.save(
          StateRecord.of(
              EventId.of("e1"),
              SqliteStoreTestBase.Q,
              "k.\u00FF",
              "x".getBytes(StandardCharsets.UTF_8)));
    }
    assertThat(encodingOf(file())).isEqualTo("UTF-8");
  }

  @Test
  void emptyExistingFile_becomesUtf8() throws Exception {
    Files.createFile(file()); // what touch or a temp-file API leaves: SQLite treats it as new
    try (StateStore store = SqliteStoreTestBase.openConfig(file().toString(), Map.of())) {
      store.save(
          StateRecord.of(
              EventId.of("e1"), SqliteStoreTestBase.Q, "k", "x".getBytes(StandardCharsets.UTF_8)));
    }
    assertThat(encodingOf(file())).isEqualTo("UTF-8");
  }

  private void assertRefusedAndUnchanged(String encoding, Map<String, String> options)
      throws IOException {
    Map<String, byte[]> before = contents(dir);
    assertThatThrownBy(() -> SqliteStoreTestBase.openConfig(file().toString(), options).close())
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isFalse())
        .hasMessageContaining(file().toString())
        .hasMessageContaining(encoding)
        .hasMessageContaining("UTF-8");
    Map<String, byte[]> after = contents(dir);
    assertThat(after.keySet()).as("files in %s", dir).isEqualTo(before.keySet());
    after.forEach((name, bytes) -> assertThat(bytes).as(name).isEqualTo(before.get(name)));
  }

  /** Every file of the directory by name: the database and any journal, WAL or shm file. */
  private static Map<String, byte[]> contents(Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        out.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    return out;
  }

  private static String encodingOf(Path file) throws SQLException {
    try (Connection c = TestFiles.jdbc(file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA encoding")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
