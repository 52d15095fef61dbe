package dev.harbor.state.spring.boot;

import dev.harbor.state.StateStore;
import dev.harbor.state.micrometer.HarborStateMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A {@link StateStore} bean, unless the application defines one: at {@code harbor.state.location}
 * with {@code harbor.state.options.*}; with no location, over the application's PostgreSQL {@code
 * DataSource} if it has one; else SQLite at {@code ./harbor-state.db}. The store closes with the
 * context. With Spring Boot Actuator, a health indicator ({@code harborState}); with Micrometer and
 * a {@code MeterRegistry}, the store's metrics (see {@code HarborStateMetrics}).
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"
    })
@EnableConfigurationProperties(HarborStateProperties.class)
public class HarborStateAutoConfiguration {

  /** Created by Spring. */
  public HarborStateAutoConfiguration() {}

  /**
   * The store; Spring calls its {@code close()} at shutdown.
   *
   * @param properties the {@code harbor.state.*} properties
   * @param dataSources the application's {@code DataSource}, if it has exactly one
   * @return the open store
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public StateStore harborStateStore(
      HarborStateProperties properties, ObjectProvider<DataSource> dataSources) {
    return StoreFactory.open(properties, dataSources.getIfUnique());
  }

  /** The health indicator, with Spring Boot Actuator. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  static class Health {

    @Bean
    @ConditionalOnMissingBean(name = "harborStateHealthIndicator")
    HealthIndicator harborStateHealthIndicator(StateStore store) {
      return new HarborStateHealthIndicator(store);
    }
  }

  /** Metrics, with Micrometer and harbor-state-micrometer on the class path. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, HarborStateMetrics.class})
  static class Metrics {

    /**
     * Binds once every singleton exists: the registry may be defined after the store, and binding
     * must not force either into being early.
     */
    @Bean
    SmartInitializingSingleton harborStateMetricsBinder(
        ObjectProvider<MeterRegistry> registries, ObjectProvider<StateStore> stores) {
      return () -> {
        MeterRegistry registry = registries.getIfUnique();
        if (registry != null) {
          HarborStateMetrics metrics = new HarborStateMetrics(registry);
          stores.orderedStream().forEach(store -> bind(metrics, store));
        }
      };
    }

    private static void bind(HarborStateMetrics metrics, StateStore store) {
      try {
        metrics.bind(store);
      } catch (IllegalArgumentException e) {
        // The application's own StateStore implementation: no driver's core to observe.
      }
    }
  }
}
