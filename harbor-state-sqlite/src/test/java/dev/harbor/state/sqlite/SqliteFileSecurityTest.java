package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database file holds every tenant's records: SQLite's files are the owner's alone (0600)
 * whatever the umask, and a location built in code cannot hand sqlite-jdbc settings of its own
 * through {@code ?} in its path (SPEC 9.5).
 */
class SqliteFileSecurityTest {

  @TempDir Path dir;

  /**
   * A store opened in a JVM whose umask is 000 (every file SQLite created itself would be 0666):
   * the database, {@code -wal} and {@code -shm} files are 0600 while it is open.
   */
  @Test
  void databaseWalAndShm_areOwnerOnly_evenUnderAPermissiveUmask() throws Exception {
    Path db = dir.resolve("state.db");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String command =
        "umask 000 && exec '"
            + java
            + "' -Xshare:auto -XX:TieredStopAtLevel=1 -cp '"
            + System.getProperty("java.class.path")
            + "' '"
            + OpenAndHold.class.getName()
            + "' '"
            + db
            + "'";
    File stderr = dir.resolve("child.err").toFile();
    Process child = new ProcessBuilder("/bin/sh", "-c", command).redirectError(stderr).start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).as(() -> read(stderr)).isEqualTo("UMASK-FILE rw-rw-rw-");
      assertThat(out.readLine()).as(() -> read(stderr)).isEqualTo("OPEN");
      for (String name : List.of("state.db", "state.db-wal", "state.db-shm")) {
        Path file = dir.resolve(name);
        assertThat(file).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
            .as(name)
            .isEqualTo("rw-------");
      }
      child.getOutputStream().close(); // the child closes its store and exits
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).as(() -> read(stderr)).isZero();
    } finally {
      child.destroyForcibly();
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db)))
        .isEqualTo("rw-------");
  }

  @Test
  void aLocationBuiltInCode_cannotPassSqliteJdbcSettingsThroughAQuestionMark() {
    Path db = dir.resolve("smuggled.db");
    StateConfig config =
        StateConfig.builder()
            .driver("sqlite")
            .location(db + "?open_mode=1&journal_mode=OFF")
            .build();
    assertThatThrownBy(() -> StateStores.open(config).close())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("contains '?'");
    assertThat(dir.resolve("smuggled.db")).doesNotExist();
    // Through a parsed location the query is the driver's options, checked against its table.
    assertThatThrownBy(() -> StateStores.open("sqlite:" + db + "?journal_mode=OFF").close())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("unknown option");
  }

  private static String read(File file) {
    try {
      return Files.readString(file.toPath());
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  /**
   * The child: reports what its umask does to a new file, opens a store, holds it until stdin ends.
   */
  public static final class OpenAndHold {
    private OpenAndHold() {}

    /**
     * Runs the child.
     *
     * @param args the database file
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
      Path db = Path.of(args[0]);
      Path probe = db.resolveSibling("umask-probe");
      Files.createFile(probe);
      System.out.println(
          "UMASK-FILE " + PosixFilePermissions.toString(Files.getPosixFilePermissions(probe)));
      try (StateStore store = StateStores.open("sqlite:" + db)) {
        store.save(
            StateRecord.of(
                EventId.newId(), new Quadruple("t", "u", "s", ""), "k", new byte[] {1, 2, 3}));
        System.out.println("OPEN");
        System.out.flush();
        while (System.in.read() >= 0) {
          // hold the store open until the parent closes our stdin
        }
      }
    }
  }
}
