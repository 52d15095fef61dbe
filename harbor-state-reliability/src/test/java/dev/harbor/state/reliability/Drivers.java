package dev.harbor.state.reliability;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The three drivers as {@link StoreUnderTest}s: each opens a store of its own and removes it
 * afterwards.
 */
final class Drivers {

  private Drivers() {}

  static StoreUnderTest inmem(Map<String, String> options) {
    return clock ->
        StateStores.open(
            StateConfig.builder().driver("inmem").options(options).clock(clock).build());
  }

  /** A SQLite file in a temporary directory, deleted on close. */
  static StoreUnderTest sqlite(Map<String, String> options) {
    return new StoreUnderTest() {
      private Path dir;

      @Override
      public StateStore open(Clock clock) {
        try {
          dir = Files.createTempDirectory("harbor-reliability");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return StateStores.open(
            StateConfig.builder()
                .driver("sqlite")
                .location(dir.resolve("state.db").toString())
                .options(options)
                .clock(clock)
                .build());
      }

      @Override
      public void close() {
        deleteTree(dir);
      }
    };
  }

  /** A fresh schema in the test PostgreSQL, dropped on close. */
  static PostgresSchema postgres(Map<String, String> options) {
    return new PostgresSchema(options);
  }

  /**
   * A store in a schema of its own; {@link #location()} opens further instances on the same schema.
   */
  static final class PostgresSchema implements StoreUnderTest {
    private final String schema = TestPostgres.newSchemaName("harbor_reliability");
    private final Map<String, String> options;

    PostgresSchema(Map<String, String> options) {
      this.options = options;
    }

    String schema() {
      return schema;
    }

    String location() {
      return TestPostgres.location(schema);
    }

    @Override
    public StateStore open(Clock clock) {
      StateConfig parsed = StateConfig.parse(location());
      return StateStores.open(
          StateConfig.builder()
              .driver(parsed.driver())
              .location(parsed.location())
              .options(parsed.options())
              .options(options)
              .clock(clock)
              .build());
    }

    @Override
    public void close() {
      TestPostgres.dropSchema(schema);
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
