package dev.harbor.state.spring.boot;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.ClassUtils;

/** Chooses and opens the store: an explicit location, the application's PostgreSQL pool, SQLite. */
final class StoreFactory {

  /** Where the store lives when nothing is configured, as the command line's default. */
  static final String DEFAULT_LOCATION = "sqlite:./harbor-state.db";

  private static final Logger LOG = LoggerFactory.getLogger(StoreFactory.class);

  private static final String POSTGRES_STORE = "dev.harbor.state.postgres.PostgresStateStore";

  private StoreFactory() {}

  static StateStore open(HarborStateProperties properties, @Nullable DataSource dataSource) {
    Map<String, String> options = properties.getOptions();
    String location = properties.getLocation();
    if (location != null && !location.isBlank()) {
      return StateStores.open(withOptions(StateConfig.parse(location.strip()), options));
    }
    if (dataSource != null
        && ClassUtils.isPresent(POSTGRES_STORE, StoreFactory.class.getClassLoader())
        && isPostgres(dataSource)) {
      LOG.info("harbor.state.location is not set: using the application's PostgreSQL DataSource");
      // The driver sets the mode each operation needs on a borrowed connection and hands it back
      // as it came, so the pool's autoCommit setting, whatever it is, needs no correction here.
      return BorrowedPostgres.open(dataSource, options);
    }
    LOG.info(
        "harbor.state.location is not set and there is no PostgreSQL DataSource: using {}",
        DEFAULT_LOCATION);
    return StateStores.open(withOptions(StateConfig.parse(DEFAULT_LOCATION), options));
  }

  private static StateConfig withOptions(StateConfig config, Map<String, String> options) {
    StateConfig result = config;
    for (Map.Entry<String, String> option : options.entrySet()) {
      result = result.withOption(option.getKey(), option.getValue());
    }
    return result;
  }

  /** Asks the database itself: a URL may be wrapped, proxied or built by a cloud binding. */
  private static boolean isPostgres(DataSource dataSource) {
    try (Connection c = dataSource.getConnection()) {
      return "PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName());
    } catch (SQLException e) {
      throw new StorageException(
          "cannot tell which database the application's DataSource is: " + e.getMessage(), true, e);
    }
  }
}
