package dev.harbor.state.postgres;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.harbor.state.spi.StorePool;
import org.jspecify.annotations.Nullable;

/**
 * The store's own HikariCP pool as a {@link StorePool}, for gauges (the metrics module reads it
 * without depending on HikariCP). Reads Hikari's live counters on every call.
 */
final class PgPoolView implements StorePool {

  private final HikariDataSource pool;
  private final int max;

  PgPoolView(HikariDataSource pool, int max) {
    this.pool = pool;
    this.max = max;
  }

  /** Null once the pool is closed (or before it started): every count then reads 0. */
  private @Nullable HikariPoolMXBean bean() {
    return pool.isClosed() ? null : pool.getHikariPoolMXBean();
  }

  @Override
  public String name() {
    return String.valueOf(pool.getPoolName());
  }

  @Override
  public int active() {
    HikariPoolMXBean bean = bean();
    return bean == null ? 0 : bean.getActiveConnections();
  }

  @Override
  public int idle() {
    HikariPoolMXBean bean = bean();
    return bean == null ? 0 : bean.getIdleConnections();
  }

  @Override
  public int pending() {
    HikariPoolMXBean bean = bean();
    return bean == null ? 0 : bean.getThreadsAwaitingConnection();
  }

  @Override
  public int max() {
    return max;
  }
}
