package dev.harbor.state.micrometer;

import dev.harbor.state.StateStore;
import dev.harbor.state.spi.StoreCall;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreListener;
import dev.harbor.state.spi.StorePool;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

/**
 * Micrometer metrics for Harbor State stores, attached through the core's listener hook so that
 * every driver reports the same meters:
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@value #CALLS}</td><td>timer</td><td>{@code driver}, {@code operation} (the {@code
 *       StateStore} method, such as {@code saveIf}), {@code outcome} ({@code ok}, {@code conflict},
 *       {@code condition_failed}, {@code not_found}, {@code invalid}, {@code storage_error}, {@code
 *       outcome_unknown}, {@code cancelled}, {@code failed})</td></tr>
 *   <tr><td>{@value #GROUP_COMMIT_WRITES}</td><td>distribution summary</td><td>{@code driver}: the
 *       writes each group commit carried (drivers with group commit only)</td></tr>
 *   <tr><td>{@value #POOL_CONNECTIONS}</td><td>gauge</td><td>{@code pool}, {@code state} ({@code
 *       active}, {@code idle}, {@code pending}): the store's own pool</td></tr>
 *   <tr><td>{@value #POOL_MAX}</td><td>gauge</td><td>{@code pool}: the most connections it
 *       opens</td></tr>
 * </table>
 *
 * <pre>{@code
 * HarborStateMetrics metrics = new HarborStateMetrics(registry);
 * StateStore store = metrics.bind(StateStores.open("postgres://app@db:5432/app"));
 * }</pre>
 *
 * <p>One instance may observe any number of stores. Pool gauges exist only for a store that owns
 * its pool: an application that lends its own {@code DataSource} observes that pool itself (Spring
 * Boot does so for its Hikari pool).
 */
public final class HarborStateMetrics implements StoreListener {

  /** The timer of every call. */
  public static final String CALLS = "harbor.state.calls";

  /** The writes per group commit. */
  public static final String GROUP_COMMIT_WRITES = "harbor.state.group.commit.writes";

  /** The connections of a store's own pool, by state. */
  public static final String POOL_CONNECTIONS = "harbor.state.pool.connections";

  /** The size limit of a store's own pool. */
  public static final String POOL_MAX = "harbor.state.pool.max";

  private final MeterRegistry registry;
  private final Tags common;

  /** Timers by driver, operation and outcome: the registry's lookup, skipped on the hot path. */
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  private final Map<String, DistributionSummary> groupCommits = new ConcurrentHashMap<>();

  /**
   * Metrics registered in a registry.
   *
   * @param registry where the meters go
   * @throws NullPointerException if {@code registry} is null
   */
  public HarborStateMetrics(MeterRegistry registry) {
    this(registry, Tags.empty());
  }

  /**
   * Metrics registered in a registry, each meter with extra tags (such as the store's name, when an
   * application has several).
   *
   * @param registry where the meters go
   * @param tags added to every meter
   * @throws NullPointerException if an argument is null
   */
  public HarborStateMetrics(MeterRegistry registry, Iterable<Tag> tags) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.common = Tags.of(Objects.requireNonNull(tags, "tags"));
  }

  /**
   * Observes a store: times its calls from now on and, if it owns its connection pool, registers
   * the pool's gauges.
   *
   * @param store a store opened through any driver
   * @return {@code store}, for chaining
   * @throws NullPointerException if {@code store} is null
   * @throws IllegalArgumentException if the store is not a driver's store
   */
  public StateStore bind(StateStore store) {
    StoreCore.addListener(store, this);
    StoreCore.pool(store).ifPresent(this::gauges);
    return store;
  }

  private void gauges(StorePool pool) {
    Tags tags = common.and("pool", pool.name());
    gauge(pool, POOL_CONNECTIONS, tags.and("state", "active"), StorePool::active, "lent to calls");
    gauge(pool, POOL_CONNECTIONS, tags.and("state", "idle"), StorePool::idle, "open and unused");
    gauge(
        pool,
        POOL_CONNECTIONS,
        tags.and("state", "pending"),
        StorePool::pending,
        "callers waiting for a connection");
    gauge(pool, POOL_MAX, tags, StorePool::max, "most connections the pool opens");
  }

  private void gauge(
      StorePool pool, String name, Tags tags, ToIntFunction<StorePool> value, String description) {
    // A strong reference: the view is small, and a gauge that silently turns NaN once the
    // collector runs would hide the pool.
    Gauge.builder(name, pool, p -> value.applyAsInt(p))
        .tags(tags)
        .description(description)
        .baseUnit("connections")
        .strongReference(true)
        .register(registry);
  }

  /**
   * Records one call in its timer.
   *
   * @param call the finished call
   */
  @Override
  public void called(StoreCall call) {
    String key = call.driver() + '\u0000' + call.operation() + '\u0000' + call.outcome().tag();
    Timer timer = timers.get(key);
    if (timer == null) {
      timer =
          timers.computeIfAbsent(
              key,
              k ->
                  Timer.builder(CALLS)
                      .description("Harbor State store calls")
                      .tags(common)
                      .tag("driver", call.driver())
                      .tag("operation", call.operation())
                      .tag("outcome", call.outcome().tag())
                      .register(registry));
    }
    timer.record(call.duration());
  }

  /**
   * Records the size of one group commit.
   *
   * @param driver the driver's name
   * @param writes the writes the commit carried
   */
  @Override
  public void groupCommitted(String driver, int writes) {
    groupCommits
        .computeIfAbsent(
            driver,
            d ->
                DistributionSummary.builder(GROUP_COMMIT_WRITES)
                    .description("writes carried by one group commit")
                    .baseUnit("writes")
                    .tags(common)
                    .tag("driver", d)
                    .register(registry))
        .record(writes);
  }
}
