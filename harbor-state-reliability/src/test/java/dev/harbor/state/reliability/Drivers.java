package dev.harbor.state.reliability;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
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

  /** A SQLite file in a scratch directory of the driver's in the temporary directory. */
  static StoreUnderTest sqlite(Map<String, String> options) {
    Path beside = Path.of(System.getProperty("java.io.tmpdir"), "harbor-reliability.db");
    return new Scratch(StateStores.scratch("sqlite:" + beside, "reliability"), options);
  }

  /** A fresh schema in the test PostgreSQL. */
  static Scratch postgres(Map<String, String> options) {
    return new Scratch(TestPostgres.scratch(), options);
  }

  /**
   * A store in a scratch location its driver made, removed on close; {@link #location()} opens
   * further instances on the same store.
   */
  static final class Scratch implements StoreUnderTest {
    private final ScratchLocation scratch;
    private final Map<String, String> options;

    Scratch(ScratchLocation scratch, Map<String, String> options) {
      this.scratch = scratch;
      this.options = options;
    }

    /** The PostgreSQL schema of the scratch. */
    String schema() {
      return StateConfig.parse(location()).options().get("schema");
    }

    String location() {
      return scratch.location();
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
      scratch.close();
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
