package dev.harbor.state.postgres;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.Locations;
import dev.harbor.state.spi.Options;
import dev.harbor.state.spi.ScratchLocation;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.postgresql.PGProperty;

/**
 * A fresh schema {@code harbor_<label>_<random>} in the base location's database, created at once
 * and dropped with everything in it at {@link #close()}.
 */
final class PgScratch implements ScratchLocation {

  private final PgLocation at;
  private final String schema;
  private final String location;
  private final Properties connection;
  private boolean dropped;

  private PgScratch(PgLocation at, String schema, String location, Properties connection) {
    this.at = at;
    this.schema = schema;
    this.location = location;
    this.connection = connection;
  }

  /**
   * Creates the schema.
   *
   * @param base the base location and options, validated as an open would
   * @param label names the scratch's user
   * @return the scratch
   */
  static PgScratch create(StateConfig base, String label) {
    PgLocation at = PgLocation.parse(base.location());
    // Validated as an open would, so a bad option fails here, before anything is created.
    PgSettings cfg = PgSettings.from(Options.withPassThrough(base, PgSettings.TABLE), true);
    Properties connection = new Properties();
    if (at.user() != null) {
      connection.setProperty(PGProperty.USER.getName(), at.user());
    }
    if (at.password() != null) {
      connection.setProperty(PGProperty.PASSWORD.getName(), at.password());
    }
    cfg.passThrough().forEach(connection::setProperty);
    connection.putIfAbsent(
        PGProperty.CONNECT_TIMEOUT.getName(),
        Long.toString(Math.max(1, (cfg.connectTimeout().toMillis() + 999) / 1000)));
    String schema = ScratchLocation.newName(label);
    Map<String, String> options = new LinkedHashMap<>(base.options());
    options.put(PgSettings.SCHEMA.name(), schema);
    PgScratch scratch =
        new PgScratch(at, schema, Locations.format(base.location(), options), connection);
    // The name is generated (a plain identifier); DDL takes no parameters.
    scratch.execute("CREATE SCHEMA " + PgSettings.quote(schema), "create");
    return scratch;
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public Optional<String> jdbcUrl() {
    return Optional.of(at.jdbcUrl());
  }

  @Override
  public Properties jdbcProperties() {
    Properties copy = new Properties();
    copy.putAll(connection);
    copy.setProperty(PGProperty.CURRENT_SCHEMA.getName(), schema);
    return copy;
  }

  @Override
  public String describe() {
    return "schema " + schema + " at " + at.describe();
  }

  @Override
  public synchronized void close() {
    if (!dropped) {
      execute("DROP SCHEMA IF EXISTS " + PgSettings.quote(schema) + " CASCADE", "drop");
      dropped = true;
    }
  }

  @Override
  public String toString() {
    return "PgScratch[" + describe() + "]";
  }

  private void execute(String ddl, String what) {
    try (Connection c = DriverManager.getConnection(at.jdbcUrl(), connection);
        Statement s = c.createStatement()) {
      s.execute(ddl);
    } catch (SQLException e) {
      throw new StorageException(
          "cannot "
              + what
              + " scratch schema "
              + schema
              + " at "
              + at.describe()
              + ": "
              + PgErrors.redactedReason(e, at.password()),
          PgErrors.isTransient(e),
          e);
    }
  }
}
