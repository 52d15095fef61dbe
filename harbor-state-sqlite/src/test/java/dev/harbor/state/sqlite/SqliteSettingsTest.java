package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.StoreOption;
import dev.harbor.state.sql.GroupCommit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Locations and the options table: defaults, parsing, and one clear error per bad value. */
class SqliteSettingsTest {

  private final Path dir = TestFiles.newDirectory("harbor-sqlite-settings");

  @AfterEach
  void cleanUp() {
    TestFiles.deleteRecursively(dir);
  }

  private SqliteSettings parse(String location, Map<String, String> options) {
    return SqliteSettings.parse(
        StateConfig.builder().driver("sqlite").location(location).options(options).build());
  }

  private SqliteSettings parse(Map<String, String> options) {
    return parse(dir.resolve("x.db").toString(), options);
  }

  @Test
  void table_listsEveryOptionOnce_includingTheCommonOnes() {
    assertThat(SqliteSettings.OPTIONS)
        .extracting(StoreOption::name)
        .containsExactly(
            "busyTimeout",
            "synchronous",
            "maxPayloadBytes",
            "maxBatchBytes",
            "operationTimeout",
            "migrate",
            "readers",
            "groupCommit",
            "maxGroupSize",
            "commitDelay",
            "slowOperation");
    assertThat(SqliteSettings.OPTIONS)
        .contains(StoreOption.MAX_PAYLOAD_BYTES, StoreOption.OPERATION_TIMEOUT);
    assertThat(SqliteSettings.OPTIONS).allSatisfy(o -> assertThat(o.meaning()).isNotBlank());
  }

  @Test
  void defaults() {
    SqliteSettings s = parse(Map.of());
    assertThat(s.operationTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.busyTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.synchronous()).isEqualTo("FULL");
    assertThat(s.maxPayloadBytes()).isEqualTo(16 * 1024 * 1024);
    assertThat(s.migrate()).isTrue();
    assertThat(s.readers()).isEqualTo(4);
    assertThat(s.groupCommit()).isEqualTo(new GroupCommit.Settings(true, 64, Duration.ZERO));
    assertThat(s.file()).isEqualTo(dir.resolve("x.db").toAbsolutePath());
    assertThat(s.inMemory()).isFalse();
  }

  @Test
  void busyTimeout_followsOperationTimeoutUnlessGiven() {
    assertThat(parse(Map.of("operationTimeout", "2s")).busyTimeout())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(parse(Map.of("operationTimeout", "2s", "busyTimeout", "500ms")).busyTimeout())
        .isEqualTo(Duration.ofMillis(500));
    assertThat(parse(Map.of("busyTimeout", "0")).busyTimeout()).isZero();
  }

  @Test
  void explicitValues() {
    SqliteSettings s =
        parse(
            Map.of(
                "synchronous",
                "normal",
                "maxPayloadBytes",
                "1MiB",
                "operationTimeout",
                "250ms",
                "migrate",
                "VERIFY",
                "readers",
                "8"));
    assertThat(s.synchronous()).isEqualTo("NORMAL");
    assertThat(s.maxPayloadBytes()).isEqualTo(1024 * 1024);
    assertThat(s.operationTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(s.migrate()).isFalse();
    assertThat(s.readers()).isEqualTo(8);
    assertThat(parse(Map.of("synchronous", "EXTRA")).synchronous()).isEqualTo("EXTRA");
    assertThat(
            parse(Map.of("groupCommit", "off", "maxGroupSize", "8", "commitDelay", "2ms"))
                .groupCommit())
        .isEqualTo(new GroupCommit.Settings(false, 8, Duration.ofMillis(2)));
  }

  @Test
  void badValues_areInvalidConfig_namingTheOption() {
    assertInvalid(Map.of("synchronous", "OFF"), "synchronous");
    assertInvalid(Map.of("readers", "0"), "readers");
    assertInvalid(Map.of("readers", "65"), "readers");
    assertInvalid(Map.of("maxPayloadBytes", "2GiB"), "maxPayloadBytes");
    assertInvalid(Map.of("maxPayloadBytes", "0"), "maxPayloadBytes");
    assertInvalid(Map.of("operationTimeout", "soon"), "operationTimeout");
    assertInvalid(Map.of("busyTimeout", "-1"), "busyTimeout");
    assertInvalid(Map.of("migrate", "yes"), "migrate");
    assertInvalid(Map.of("journal_mode", "DELETE"), "journal_mode");
    assertInvalid(Map.of("groupCommit", "sometimes"), "groupCommit");
    assertInvalid(Map.of("maxGroupSize", "0"), "maxGroupSize");
    assertInvalid(Map.of("maxGroupSize", "1025"), "maxGroupSize");
    assertInvalid(Map.of("commitDelay", "2s"), "commitDelay");
  }

  private void assertInvalid(Map<String, String> options, String named) {
    assertThatThrownBy(() -> parse(options))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(named);
  }

  @Test
  void synchronous_isAppliedToTheWriteConnection() {
    for (Map.Entry<String, Integer> e : Map.of("NORMAL", 1, "FULL", 2, "EXTRA", 3).entrySet()) {
      SqliteSettings settings = parse(Map.of("synchronous", e.getKey()));
      SqliteDatabase db =
          SqliteDatabase.open(
              settings,
              new dev.harbor.state.spi.StoreContext("sqlite", 1, java.time.Clock.systemUTC()));
      try {
        int level =
            db.write(
                "test",
                c -> {
                  try (java.sql.Statement s = c.createStatement();
                      java.sql.ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
                    rs.next();
                    return rs.getInt(1);
                  }
                });
        assertThat(level).as(e.getKey()).isEqualTo(e.getValue());
      } finally {
        db.close();
      }
    }
  }

  @Test
  void memoryLocation() {
    SqliteSettings s = parse(":memory:", Map.of());
    assertThat(s.inMemory()).isTrue();
    assertThat(s.describe()).isEqualTo(":memory:");
  }

  @Test
  void emptyLocation_isInvalidConfig() {
    assertThatThrownBy(() -> parse("", Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("sqlite:./harbor-state.db");
  }

  @Test
  void missingDirectory_isInvalidConfig_namingIt() {
    Path missing = dir.resolve("no-such-dir");
    assertThatThrownBy(() -> StateStores.open("sqlite:" + missing.resolve("x.db")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(missing.toString());
    assertThat(Files.exists(missing)).isFalse();
  }

  @Test
  void directoryAsLocation_isInvalidConfig() {
    assertThatThrownBy(() -> parse(dir.toString(), Map.of()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("is a directory");
  }

  @Test
  void locationString_withQueryOptions_opensTheStore() {
    Path file = dir.resolve("q.db");
    try (StateStore store =
        StateStores.open("sqlite:" + file + "?synchronous=NORMAL&readers=2&busyTimeout=1s")) {
      assertThat(store.driverName()).isEqualTo("sqlite");
    }
    assertThat(Files.exists(file)).isTrue();
    try (StateStore memory = StateStores.open("sqlite::memory:")) {
      assertThat(memory.driverName()).isEqualTo("sqlite");
    }
    assertThat(StateStores.registeredDrivers()).contains("sqlite");
  }

  @Test
  void unknownOptionViaLocation_failsBeforeCreatingTheFile() {
    Path file = dir.resolve("never.db");
    assertThatThrownBy(() -> StateStores.open("sqlite:" + file + "?cache=shared"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("cache");
    assertThat(Files.exists(file)).isFalse();
  }
}
