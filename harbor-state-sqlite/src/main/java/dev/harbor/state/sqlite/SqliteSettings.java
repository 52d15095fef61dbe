package dev.harbor.state.sqlite;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import dev.harbor.state.spi.Options;
import dev.harbor.state.spi.StoreOption;
import dev.harbor.state.sql.GroupCommit;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The validated configuration of one SQLite store: where the database lives and the options of
 * {@link #OPTIONS}, parsed once at open and immutable afterwards.
 *
 * @param file the database file, absolute; {@code null} for a private in-memory database
 * @param operationTimeout the longest a call waits for the write connection, a read connection or a
 *     busy database
 * @param busyTimeout the longest SQLite retries a database locked by another connection (capped per
 *     call by what is left of {@code operationTimeout})
 * @param synchronous {@code NORMAL}, {@code FULL} or {@code EXTRA}
 * @param maxPayloadBytes the payload limit
 * @param migrate {@code true} to apply pending migrations at open, {@code false} to only verify
 * @param readers the number of read connections of a file store
 * @param groupCommit whether and how concurrent single-record writes share a commit
 */
record SqliteSettings(
    @Nullable Path file,
    Duration operationTimeout,
    Duration busyTimeout,
    String synchronous,
    int maxPayloadBytes,
    boolean migrate,
    int readers,
    GroupCommit.Settings groupCommit) {

  /** The location of a new, private in-memory database. */
  static final String MEMORY = ":memory:";

  static final StoreOption BUSY_TIMEOUT =
      new StoreOption(
          "busyTimeout",
          "operationTimeout",
          "longest SQLite waits for a database file locked by another store instance or process before a transient"
              + " StorageException; never longer than what is left of operationTimeout");
  static final StoreOption SYNCHRONOUS =
      new StoreOption(
          "synchronous",
          "FULL",
          "SQLite synchronous mode: NORMAL, FULL or EXTRA; with FULL (WAL journal) every write that returned survives a"
              + " crash or power loss");
  static final StoreOption MIGRATE =
      new StoreOption(
          "migrate",
          "apply",
          "apply: create or upgrade the schema at open; verify: change nothing and fail the open unless the schema is"
              + " current");
  static final StoreOption READERS =
      new StoreOption(
          "readers",
          "4",
          "read connections of a file store (1..64); reads never wait for the writer, only for a free read connection");

  /** The driver's options, in the order the README lists them. */
  static final List<StoreOption> OPTIONS =
      List.of(
          BUSY_TIMEOUT,
          SYNCHRONOUS,
          StoreOption.MAX_PAYLOAD_BYTES,
          StoreOption.MAX_BATCH_BYTES,
          StoreOption.OPERATION_TIMEOUT,
          MIGRATE,
          READERS,
          GroupCommit.GROUP_COMMIT,
          GroupCommit.MAX_GROUP_SIZE,
          GroupCommit.COMMIT_DELAY,
          StoreOption.SLOW_OPERATION);

  /** SQLite refuses values longer than its default SQLITE_MAX_LENGTH, one billion bytes. */
  static final long MAX_PAYLOAD_LIMIT = 1_000_000_000L;

  /**
   * Validates a configuration.
   *
   * @param config the location and options
   * @return the settings
   * @throws InvalidConfigException if the location is empty or its directory does not exist, or an
   *     option is unknown or malformed
   */
  static SqliteSettings parse(StateConfig config) {
    Options options = Options.of(config, OPTIONS);
    Duration operationTimeout = options.operationTimeout();
    Duration busyTimeout =
        "operationtimeout".equals(options.text(BUSY_TIMEOUT).strip().toLowerCase(Locale.ROOT))
            ? operationTimeout
            : options.duration(BUSY_TIMEOUT, Duration.ZERO);
    String synchronous =
        options.choice(SYNCHRONOUS, Set.of("normal", "full", "extra")).toUpperCase(Locale.ROOT);
    int maxPayloadBytes = (int) options.bytes(StoreOption.MAX_PAYLOAD_BYTES, 1, MAX_PAYLOAD_LIMIT);
    boolean migrate = "apply".equals(options.choice(MIGRATE, Set.of("apply", "verify")));
    int readers = options.integer(READERS, 1, 64);
    return new SqliteSettings(
        file(config.location()),
        operationTimeout,
        busyTimeout,
        synchronous,
        maxPayloadBytes,
        migrate,
        readers,
        GroupCommit.Settings.parse(options));
  }

  /** Whether this is a private in-memory database. */
  boolean inMemory() {
    return file == null;
  }

  /** The database for messages: its absolute path, or {@code :memory:}. */
  String describe() {
    return file == null ? MEMORY : file.toString();
  }

  private static @Nullable Path file(String location) {
    String trimmed = location.strip();
    if (trimmed.isEmpty()) {
      throw new InvalidConfigException(
          "the sqlite location needs a database file, such as sqlite:./harbor-state.db,"
              + " or sqlite::memory: for a private in-memory database");
    }
    if (MEMORY.equals(trimmed)) {
      return null;
    }
    if (trimmed.indexOf('?') >= 0) {
      // sqlite-jdbc reads "?name=value" after a file name as its own settings: only the driver's
      // option table may configure SQLite. A parsed location never has one here (its query became
      // options); this is a location built in code.
      throw new InvalidConfigException(
          "the sqlite location '"
              + trimmed
              + "' contains '?': a database path cannot hold one; give options as the"
              + " location's query (sqlite:PATH?name=value) or in StateConfig's options");
    }
    Path file;
    try {
      file = Path.of(trimmed).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new InvalidConfigException(
          "the sqlite location '" + trimmed + "' is not a valid file path", e);
    }
    Path directory = file.getParent();
    if (directory == null || !Files.isDirectory(directory)) {
      throw new InvalidConfigException(
          "the directory "
              + directory
              + " of sqlite database "
              + file
              + " does not exist; create it first");
    }
    if (Files.isDirectory(file)) {
      throw new InvalidConfigException(
          "the sqlite location " + file + " is a directory, not a database file");
    }
    return file;
  }
}
