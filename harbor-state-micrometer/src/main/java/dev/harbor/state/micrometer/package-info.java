/**
 * Micrometer metrics for Harbor State: {@link dev.harbor.state.micrometer.HarborStateMetrics} is a
 * {@link dev.harbor.state.spi.StoreListener} that times every call by operation, driver and
 * outcome, records the size of each group commit, and publishes gauges of a store's own connection
 * pool.
 */
@NullMarked
package dev.harbor.state.micrometer;

import org.jspecify.annotations.NullMarked;
