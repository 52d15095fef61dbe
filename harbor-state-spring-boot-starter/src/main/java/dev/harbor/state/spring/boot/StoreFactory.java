package dev.harbor.state.spring.boot;

import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import dev.harbor.state.UnknownDriverException;
import dev.harbor.state.spi.Locations;
import dev.harbor.state.spi.StoreOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.ClassUtils;

/**
 * Chooses and opens the store: an explicit location, the application's PostgreSQL pool, SQLite.
 * Every failure leaves as a {@link StoreStartupException} that names the property to fix.
 */
final class StoreFactory {

  /** Where the store lives when nothing is configured, as the command line's default. */
  static final String DEFAULT_LOCATION = "sqlite:./harbor-state.db";

  private static final Logger LOG = LoggerFactory.getLogger(StoreFactory.class);

  private static final String POSTGRES_STORE = "dev.harbor.state.postgres.PostgresStateStore";

  private static final String POSTGRES = "postgres";

  private StoreFactory() {}

  static StateStore open(HarborStateProperties properties, @Nullable DataSource dataSource) {
    String location = properties.getLocation();
    String explicit = location == null || location.isBlank() ? null : location.strip();
    String where =
        explicit != null
            ? "harbor.state.location=" + Locations.redact(explicit)
            : "the fallback for an unset harbor.state.location (the application's PostgreSQL"
                + " DataSource, else "
                + DEFAULT_LOCATION
                + ")";
    try {
      if (explicit != null) {
        StateConfig config = StateConfig.parse(explicit);
        return StateStores.open(withOptions(config, properties.getOptions()));
      }
      if (properties.getFallback() == HarborStateProperties.Fallback.NONE) {
        throw new StoreStartupException(
            "harbor.state.location is not set, and harbor.state.fallback=none makes it required.",
            "Set harbor.state.location (such as postgres://app@db:5432/app or sqlite:./state.db),"
                + " or remove harbor.state.fallback=none to use the application's PostgreSQL"
                + " DataSource or SQLite at "
                + DEFAULT_LOCATION
                + ".");
      }
      if (dataSource != null
          && ClassUtils.isPresent(POSTGRES_STORE, StoreFactory.class.getClassLoader())) {
        StateStore borrowed = openOverPostgres(dataSource, properties.getOptions());
        if (borrowed != null) {
          return borrowed;
        }
      }
      LOG.info(
          "harbor.state.location is not set and there is no PostgreSQL DataSource: using {}",
          DEFAULT_LOCATION);
      return StateStores.open(
          withOptions(StateConfig.parse(DEFAULT_LOCATION), properties.getOptions()));
    } catch (InvalidConfigException e) {
      throw new StoreStartupException(
          "Harbor State could not open its store at "
              + where
              + " with harbor.state.options "
              + properties.getOptions().keySet()
              + ": "
              + e.getMessage(),
          "Correct harbor.state.location or the harbor.state.options entry named above; the"
              + " README's Configuration section lists each driver's options.",
          e);
    } catch (UnknownDriverException e) {
      throw new StoreStartupException(
          "Harbor State has no driver for " + where + ": " + e.getMessage(),
          "Add the driver's module to the application (harbor-state-postgres for postgres://"
              + " locations), or correct the scheme of harbor.state.location.",
          e);
    } catch (StateStoreException e) {
      throw new StoreStartupException(
          "Harbor State could not open its store at " + where + ": " + e.getMessage(),
          explicit != null
              ? "Check that the database is up and reachable from here, and that"
                  + " harbor.state.location names the right host, port, database and user (a"
                  + " password may be percent-encoded)."
              : "Check that the application's DataSource (spring.datasource.*) reaches a database"
                  + " where its user may create the store's tables, or set harbor.state.location.",
          e);
    }
  }

  /** The store over a PostgreSQL pool, or {@code null} when the pool is another database's. */
  private static @Nullable StateStore openOverPostgres(
      DataSource dataSource, Map<String, String> given) {
    Map<String, String> options = applicable(POSTGRES, given);
    String schema;
    // Asks the database itself: a URL may be wrapped, proxied or built by a cloud binding.
    try (Connection c = dataSource.getConnection()) {
      if (!"PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName())) {
        return null;
      }
      schema = options.containsKey("schema") ? null : schemaOf(c);
    } catch (SQLException e) {
      throw new StoreStartupException(
          "Harbor State could not tell which database the application's DataSource is"
              + " (harbor.state.location is not set, so the starter looked at the DataSource): "
              + e.getMessage(),
          "Check that the DataSource's database (spring.datasource.url) is up and reachable, or"
              + " set harbor.state.location.",
          new StorageException(
              "cannot read the DataSource's database: " + e.getMessage(), true, e));
    }
    if (schema != null) {
      options = new LinkedHashMap<>(options);
      options.put("schema", schema);
    }
    LOG.info(
        "harbor.state.location is not set: using the application's PostgreSQL DataSource, schema"
            + " {}",
        options.getOrDefault("schema", "public"));
    // The driver sets the mode each operation needs on a borrowed connection and hands it back as
    // it came, so the pool's autoCommit setting, whatever it is, needs no correction here.
    return BorrowedPostgres.open(dataSource, options);
  }

  /**
   * The schema the pool's own tables go to: its connections' {@code current_schema()}, set by
   * pgjdbc's {@code currentSchema} or the role's {@code search_path}; when that schema does not
   * exist yet, the first schema the search path names (the driver creates it).
   */
  private static @Nullable String schemaOf(Connection c) throws SQLException {
    String current = c.getSchema();
    if (current != null) {
      return current;
    }
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW search_path")) {
      if (!rs.next()) {
        return null;
      }
      for (String entry : splitSearchPath(rs.getString(1))) {
        if (!entry.equals("$user")) {
          return entry;
        }
      }
      return null;
    }
  }

  /** The names of a search_path setting, unquoted: {@code "$user", public, "My ""x"""}. */
  static List<String> splitSearchPath(@Nullable String searchPath) {
    List<String> names = new ArrayList<>();
    if (searchPath == null) {
      return names;
    }
    StringBuilder name = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < searchPath.length(); i++) {
      char ch = searchPath.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < searchPath.length() && searchPath.charAt(i + 1) == '"') {
          name.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          name.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        addName(names, name);
      } else if (!Character.isWhitespace(ch)) {
        name.append(ch);
      }
    }
    addName(names, name);
    return names;
  }

  private static void addName(List<String> names, StringBuilder name) {
    if (name.length() > 0) {
      names.add(name.toString());
    }
    name.setLength(0);
  }

  private static StateConfig withOptions(StateConfig config, Map<String, String> given) {
    StateConfig result = config;
    for (Map.Entry<String, String> option : applicable(config.driver(), given).entrySet()) {
      result = result.withOption(option.getKey(), option.getValue());
    }
    return result;
  }

  /**
   * The options for one driver: each name matched to the drivers' own spelling (so relaxed forms
   * such as {@code operation-timeout} or the environment's {@code operationtimeout} work), and the
   * options only other drivers document left out with one WARN line, so one set of options serves
   * profiles on different drivers. A name no driver documents is passed on as written: the driver
   * decides (PostgreSQL takes pgjdbc's connection properties; otherwise it is refused).
   */
  static Map<String, String> applicable(String driver, Map<String, String> given) {
    Map<String, String> known = new HashMap<>();
    for (String registered : StateStores.registeredDrivers()) {
      for (StoreOption option : StateStores.options(registered)) {
        known.put(relaxed(option.name()), option.name());
      }
    }
    Set<String> own =
        StateStores.options(driver).stream().map(StoreOption::name).collect(Collectors.toSet());
    Map<String, String> result = new LinkedHashMap<>();
    Map<String, String> spelledAs = new HashMap<>();
    Map<String, String> valueOf = new HashMap<>();
    Set<String> ignored = new TreeSet<>();
    for (Map.Entry<String, String> option : given.entrySet()) {
      String name = known.getOrDefault(relaxed(option.getKey()), option.getKey());
      String earlier = spelledAs.putIfAbsent(name, option.getKey());
      String earlierValue = valueOf.putIfAbsent(name, option.getValue());
      if (earlier != null && earlierValue != null && !earlierValue.equals(option.getValue())) {
        throw new InvalidConfigException(
            "harbor.state.options."
                + earlier
                + " and harbor.state.options."
                + option.getKey()
                + " are both the option "
                + name
                + ", with different values; keep one");
      }
      if (known.containsValue(name) && !own.contains(name)) {
        ignored.add(name);
      } else {
        result.put(name, option.getValue());
      }
    }
    if (!ignored.isEmpty()) {
      LOG.warn(
          "harbor.state.options {} do not apply to the {} driver and are ignored", ignored, driver);
    }
    return result;
  }

  /** One spelling for every relaxed form of a name: lower case, no dashes, dots or underscores. */
  private static String relaxed(String name) {
    return name.replace("-", "").replace("_", "").replace(".", "").toLowerCase(Locale.ROOT);
  }
}
