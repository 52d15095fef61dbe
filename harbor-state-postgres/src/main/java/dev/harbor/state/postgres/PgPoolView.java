package dev.harbor.state.postgres;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.harbor.state.spi.StorePool;
import java.util.function.ToIntFunction;

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

  @Override
  public String name() {
    return String.valueOf(pool.getPoolName());
  }

  @Override
  public int active() {
    return read(HikariPoolMXBean::getActiveConnections);
  }

  @Override
  public int idle() {
    return read(HikariPoolMXBean::getIdleConnections);
  }

  @Override
  public int pending() {
    return read(HikariPoolMXBean::getThreadsAwaitingConnection);
  }

  /** One of Hikari's live counters; 0 once the pool is closed (or before it started). */
  private int read(ToIntFunction<HikariPoolMXBean> counter) {
    HikariPoolMXBean bean = pool.isClosed() ? null : pool.getHikariPoolMXBean();
    return bean == null ? 0 : counter.applyAsInt(bean);
  }

  @Override
  public int max() {
    return max;
  }
}
