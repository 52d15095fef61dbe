package dev.harbor.state.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.TestPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The database file and table hold no plaintext byte sequence of a known payload. */
class NoPlaintextAtRestTest {

  /** A payload no page, header or index would hold by chance. */
  static final byte[] KNOWN =
      "harbor-crypto-canary: the patient's diagnosis is confidential"
          .getBytes(StandardCharsets.UTF_8);

  /** The longest piece of the payload allowed to appear anywhere: 8 bytes. */
  static final int WINDOW = 8;

  static final Quadruple Q = new Quadruple("t", "u", "s", "");

  @Test
  void sqliteFileAndWal_holdNoPlaintext() throws IOException {
    Path dir = TestKeys.newDirectory("harbor-crypto-rest");
    try (TenantKeys keys = TestKeys.newKeyring(dir)) {
      Path db = dir.resolve("state.db");
      try (StateStore store = PayloadEncryption.wrap(KeyringChild.open(db), keys)) {
        for (int i = 0; i < 20; i++) {
          store.save(StateRecord.of(EventId.newId(), Q, "k" + i, KNOWN));
        }
        // While open, the pages are (at least) in the WAL: check that too.
        assertNoPlaintext(filesOf(dir, "state.db"));
        assertThat(store.load(Q, "k3").bytes()).isEqualTo(KNOWN);
      }
      assertNoPlaintext(filesOf(dir, "state.db"));
    } finally {
      TestKeys.deleteRecursively(dir);
    }
  }

  @Test
  void postgresTable_holdsNoPlaintext() throws Exception {
    TestPostgres.ensureReachable();
    String schema = TestPostgres.newSchemaName("harbor_crypto_rest");
    Path dir = TestKeys.newDirectory("harbor-crypto-rest");
    try (TenantKeys keys = TestKeys.newKeyring(dir);
        StateStore store =
            PayloadEncryption.wrap(
                StateStores.open(
                    TestKeys.withRoomForEnvelope(StateConfig.parse(TestPostgres.location(schema)))),
                keys)) {
      for (int i = 0; i < 5; i++) {
        store.save(StateRecord.of(EventId.newId(), Q, "k" + i, KNOWN));
      }
      List<byte[]> rows = new ArrayList<>();
      try (Connection c = TestPostgres.connect();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT * FROM " + schema + ".harbor_state_records")) {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          for (int col = 1; col <= columns; col++) {
            byte[] value = rs.getBytes(col);
            if (value != null) {
              rows.add(value);
            }
          }
        }
      }
      assertThat(rows).isNotEmpty();
      assertNoPlaintext(rows);
      assertThat(store.load(Q, "k0").bytes()).isEqualTo(KNOWN);
    } finally {
      TestPostgres.dropSchema(schema);
      TestKeys.deleteRecursively(dir);
    }
  }

  static List<byte[]> filesOf(Path dir, String prefix) throws IOException {
    List<byte[]> contents = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
        contents.add(Files.readAllBytes(f));
      }
    }
    assertThat(contents).isNotEmpty();
    return contents;
  }

  static void assertNoPlaintext(List<byte[]> contents) {
    for (byte[] content : contents) {
      for (int start = 0; start + WINDOW <= KNOWN.length; start++) {
        assertThat(indexOf(content, KNOWN, start, WINDOW))
            .as("payload bytes %d..%d found at rest", start, start + WINDOW)
            .isEqualTo(-1);
      }
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from, int length) {
    outer:
    for (int i = 0; i + length <= haystack.length; i++) {
      for (int j = 0; j < length; j++) {
        if (haystack[i + j] != needle[from + j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
