package dev.harbor.state.postgres;

import com.zaxxer.hikari.HikariConfig;
import dev.harbor.state.testing.TestPostgres;

/** The test database as the driver parses it, and pools of a test's own on it. */
final class TestServer {

  private TestServer() {}

  /**
   * The test database's location, without its query.
   *
   * @return the parsed location
   */
  static PgLocation location() {
    return PgLocation.parse(TestPostgres.url().split("\\?")[0]);
  }

  /**
   * A Hikari configuration for a pool of the test's own on the test database (a borrowed pool, to
   * the driver).
   *
   * @param maxPoolSize the pool's size
   * @return the configuration, to be adjusted further
   */
  static HikariConfig poolConfig(int maxPoolSize) {
    PgLocation base = location();
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(base.jdbcUrl());
    hc.setUsername(base.user());
    hc.setPassword(base.password());
    hc.setMaximumPoolSize(maxPoolSize);
    return hc;
  }
}
