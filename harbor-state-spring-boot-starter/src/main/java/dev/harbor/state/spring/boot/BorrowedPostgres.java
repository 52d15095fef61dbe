package dev.harbor.state.spring.boot;

import dev.harbor.state.StateStore;
import dev.harbor.state.postgres.PostgresStateStore;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The one class that names the PostgreSQL driver: loaded only once the driver is known to be on the
 * class path, so the starter runs without it.
 */
final class BorrowedPostgres {

  private BorrowedPostgres() {}

  static StateStore open(DataSource dataSource, Map<String, String> options) {
    return PostgresStateStore.open(dataSource, options);
  }
}
