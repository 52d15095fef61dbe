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
import dev.harbor.state.spi.ScratchLocation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scratch location is a fresh directory beside the base file: created, usable by the store and by
 * plain JDBC, deleted.
 */
class SqliteScratchTest {

  private static final Quadruple Q = new Quadruple("t", "u", "s", "");

  @TempDir Path dir;

  @Test
  void scratch_isAFreshDirectoryBesideTheFile_usable_andDeletedOnClose() throws Exception {
    Path base = dir.resolve("user.db");
    Path scratchDir;
    try (ScratchLocation scratch =
        StateStores.scratch("sqlite:" + base + "?synchronous=NORMAL", "test")) {
      StateConfig config = StateConfig.parse(scratch.location());
      assertThat(config.options()).containsEntry("synchronous", "NORMAL");
      Path file = Path.of(config.location());
      scratchDir = file.getParent();
      assertThat(scratchDir.getParent()).isEqualTo(dir);
      assertThat(scratchDir.getFileName().toString()).matches("\\.harbor_test_[0-9a-f]{16}");
      assertThat(scratchDir).isDirectory();
      assertThat(scratch.describe()).contains(scratchDir.toString());

      try (StateStore store = StateStores.open(scratch.location())) {
        store.save(StateRecord.of(EventId.of("E1"), Q, "k", "v".getBytes(StandardCharsets.UTF_8)));
      }
      try (Connection c =
              DriverManager.getConnection(
                  scratch.jdbcUrl().orElseThrow(), scratch.jdbcProperties());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT event_id FROM harbor_state_records")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("E1");
      }
      assertThat(file).exists();
    }
    assertThat(scratchDir).doesNotExist();
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).as("the base file is never created").isEmpty();
    }
  }

  @Test
  void closingTwice_isHarmless() {
    ScratchLocation scratch = StateStores.scratch("sqlite:" + dir.resolve("user.db"), "test");
    scratch.close();
    scratch.close();
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void memory_isANewPrivateDatabaseWithNoJdbcFace() {
    try (ScratchLocation scratch = StateStores.scratch("sqlite::memory:?readers=2", "test")) {
      assertThat(StateConfig.parse(scratch.location()))
          .isEqualTo(StateConfig.parse("sqlite::memory:?readers=2"));
      assertThat(scratch.jdbcUrl()).isEmpty();
      try (StateStore store = StateStores.open(scratch.location())) {
        assertThat(store.find(Q, "k")).isEmpty();
      }
    }
  }

  @Test
  void aMissingDirectoryOrABadOption_failsBeforeAnythingIsCreated() throws Exception {
    assertThatThrownBy(() -> StateStores.scratch("sqlite:" + dir.resolve("no/user.db"), "test"))
        .isInstanceOf(InvalidConfigException.class);
    assertThatThrownBy(
            () -> StateStores.scratch("sqlite:" + dir.resolve("user.db?readers=0"), "test"))
        .isInstanceOf(InvalidConfigException.class);
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }
}
