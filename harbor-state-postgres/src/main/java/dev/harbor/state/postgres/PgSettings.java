package dev.harbor.state.postgres;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.spi.Locations;
import dev.harbor.state.spi.Options;
import dev.harbor.state.spi.StoreOption;
import dev.harbor.state.sql.GroupCommit;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.postgresql.PGProperty;

/**
 * The validated options of one store (the table is {@link PostgresStateStore#options()}), fixed at
 * open.
 *
 * @param schema the schema's name, unquoted
 * @param quotedSchema the schema as a quoted SQL identifier
 * @param maxPoolSize the pool's size (own pools only)
 * @param connectTimeout the connect and login timeout (own pools only)
 * @param operationTimeout the bound on each call's waiting
 * @param maxPayloadBytes the payload limit
 * @param maxBatchBytes the batch limit (payloads plus keys)
 * @param verifyOnly {@code migrate=verify}: run no DDL
 * @param applicationName the connections' application_name (own pools only)
 * @param passThrough unknown options, handed to pgjdbc as connection properties (own pools only)
 * @param groupCommit whether and how concurrent single-record writes share a commit
 */
record PgSettings(
    String schema,
    String quotedSchema,
    int maxPoolSize,
    Duration connectTimeout,
    Duration operationTimeout,
    int maxPayloadBytes,
    long maxBatchBytes,
    boolean verifyOnly,
    String applicationName,
    Map<String, String> passThrough,
    GroupCommit.Settings groupCommit) {

  static final StoreOption SCHEMA =
      new StoreOption(
          "schema",
          "public",
          "schema holding the store's tables (exact, case-sensitive name); created if missing");
  static final StoreOption MAX_POOL_SIZE =
      new StoreOption("maxPoolSize", "10", "most connections the store's own pool opens (1..1000)");
  static final StoreOption CONNECT_TIMEOUT =
      new StoreOption(
          "connectTimeout",
          "10s",
          "longest wait to open one database connection (TCP connect and login)");
  static final StoreOption MIGRATE =
      new StoreOption(
          "migrate",
          "apply",
          "apply: create or upgrade the schema at open; verify: run no DDL and fail if the schema is not current");
  static final StoreOption APPLICATION_NAME =
      new StoreOption(
          "applicationName",
          "harbor-state",
          "application_name the store's connections report to the server (pg_stat_activity)");

  /** The options, in the order the README and --help list them. */
  static final List<StoreOption> TABLE =
      List.of(
          SCHEMA,
          MAX_POOL_SIZE,
          CONNECT_TIMEOUT,
          StoreOption.OPERATION_TIMEOUT,
          StoreOption.MAX_PAYLOAD_BYTES,
          StoreOption.MAX_BATCH_BYTES,
          MIGRATE,
          APPLICATION_NAME,
          GroupCommit.GROUP_COMMIT,
          GroupCommit.MAX_GROUP_SIZE,
          GroupCommit.COMMIT_DELAY,
          StoreOption.SLOW_OPERATION);

  /**
   * The options that make sense for a borrowed DataSource: the pool's own settings belong to its
   * owner.
   */
  static final List<StoreOption> BORROWED_TABLE =
      List.of(
          SCHEMA,
          StoreOption.OPERATION_TIMEOUT,
          StoreOption.MAX_PAYLOAD_BYTES,
          StoreOption.MAX_BATCH_BYTES,
          MIGRATE,
          GroupCommit.GROUP_COMMIT,
          GroupCommit.MAX_GROUP_SIZE,
          GroupCommit.COMMIT_DELAY,
          StoreOption.SLOW_OPERATION);

  // Plain identifiers only: they read the same quoted or not (bar case), and cannot smuggle SQL.
  // pg_ is reserved.
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

  /**
   * Reads and validates the options.
   *
   * @param options the options, checked against {@link #TABLE} or {@link #BORROWED_TABLE}
   * @param ownPool whether the store creates its own pool
   * @return the settings
   * @throws InvalidConfigException if an option is malformed
   */
  static PgSettings from(Options options, boolean ownPool) {
    String schema = options.text(SCHEMA).strip();
    if (!IDENTIFIER.matcher(schema).matches()
        || schema.getBytes(StandardCharsets.UTF_8).length > 63
        || schema.toLowerCase(java.util.Locale.ROOT).startsWith("pg_")) {
      throw new InvalidConfigException(
          "option schema='"
              + schema
              + "' of driver 'postgres' is invalid; expected a "
              + "name of letters, digits, _ and $ (not starting with a digit or pg_), at most 63 bytes");
    }
    boolean verify = options.choice(MIGRATE, Set.of("apply", "verify")).equals("verify");
    Duration operationTimeout = options.operationTimeout();
    int maxPayload = options.maxPayloadBytes();
    long maxBatch = options.maxBatchBytes(maxPayload);
    GroupCommit.Settings groupCommit = GroupCommit.Settings.parse(options);
    if (!ownPool) {
      return new PgSettings(
          schema,
          quote(schema),
          0,
          Duration.ZERO,
          operationTimeout,
          maxPayload,
          maxBatch,
          verify,
          "",
          Map.of(),
          groupCommit);
    }
    for (String name : options.passThrough().keySet()) {
      // Only pgjdbc's own properties pass through: a misspelt option must not be silently ignored.
      if (PGProperty.forName(name) == null) {
        throw new InvalidConfigException(
            "unknown option '"
                + name
                + "' for driver 'postgres'; known options: "
                + TABLE.stream().map(StoreOption::name).toList()
                + " and pgjdbc connection properties such as sslmode");
      }
    }
    int pool = options.integer(MAX_POOL_SIZE, 1, 1000);
    Duration connect = options.duration(CONNECT_TIMEOUT, Duration.ofSeconds(1));
    String app = options.text(APPLICATION_NAME);
    return new PgSettings(
        schema,
        quote(schema),
        pool,
        connect,
        operationTimeout,
        maxPayload,
        maxBatch,
        verify,
        app,
        options.passThrough(),
        groupCommit);
  }

  /** Never shows a password-like pass-through property (sslpassword, password). */
  @Override
  public String toString() {
    return "PgSettings[schema="
        + schema
        + ", maxPoolSize="
        + maxPoolSize
        + ", connectTimeout="
        + connectTimeout
        + ", operationTimeout="
        + operationTimeout
        + ", maxPayloadBytes="
        + maxPayloadBytes
        + ", maxBatchBytes="
        + maxBatchBytes
        + ", verifyOnly="
        + verifyOnly
        + ", applicationName="
        + applicationName
        + ", passThrough="
        + Locations.redactOptions(passThrough)
        + ", groupCommit="
        + groupCommit
        + "]";
  }

  /**
   * A double-quoted identifier; doubling quotes keeps it safe even beyond the validated alphabet.
   */
  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
