package dev.harbor.state.spring.boot;

import com.google.adk.sessions.BaseSessionService;
import dev.harbor.state.StateStore;
import dev.harbor.state.adk.HarborSessionService;
import dev.harbor.state.langchain4j.HarborChatMemoryStore;
import dev.harbor.state.langgraph4j.HarborCheckpointSaver;
import dev.harbor.state.micrometer.HarborStateMetrics;
import dev.harbor.state.spring.ai.HarborChatMemoryRepository;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.bsc.langgraph4j.checkpoint.BaseCheckpointSaver;
import org.bsc.langgraph4j.serializer.StateSerializer;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A {@link StateStore} bean, unless the application defines one: at {@code harbor.state.location}
 * with {@code harbor.state.options.*}; with no location (and {@code harbor.state.fallback=auto}),
 * over the application's PostgreSQL {@code DataSource} if it has one, in the schema its connections
 * use; else SQLite at {@code ./harbor-state.db}. The store closes with the context. With Spring
 * Boot Actuator, a health indicator ({@code harborState}) bounded by {@code
 * harbor.state.health.timeout}; with Micrometer and a {@code MeterRegistry}, the store's metrics
 * (see {@code HarborStateMetrics}); with Spring AI or LangChain4j and Harbor State's adapter for
 * it, a chat memory bean over the store; with LangGraph4j, harbor-state-langgraph4j and one {@code
 * StateSerializer} bean, a checkpoint saver over the store; with Google ADK and harbor-state-adk, a
 * session service over the store.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"
    },
    // Spring AI's own default is an in-memory repository, defined when none exists yet: ours must
    // be defined first to take its place.
    beforeName =
        "org.springframework.ai.model.chat.memory.autoconfigure.ChatMemoryAutoConfiguration")
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

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(name = "harborStateHealthIndicator")
    HarborStateHealthIndicator harborStateHealthIndicator(
        StateStore store, HarborStateProperties properties) {
      return new HarborStateHealthIndicator(store, properties.getHealth().getTimeout());
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

  /**
   * Spring AI's {@code ChatMemoryRepository}, with spring-ai-model and harbor-state-spring-ai on
   * the class path; an application's own repository bean wins.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({ChatMemoryRepository.class, HarborChatMemoryRepository.class})
  @ConditionalOnProperty(
      prefix = "harbor.state.chat",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  static class SpringAiChatMemory {

    @Bean
    @ConditionalOnMissingBean(ChatMemoryRepository.class)
    HarborChatMemoryRepository harborChatMemoryRepository(
        StateStore store, HarborStateProperties properties) {
      return new HarborChatMemoryRepository(store, properties.getChat().getTenant());
    }
  }

  /**
   * LangChain4j's {@code ChatMemoryStore}, with langchain4j and harbor-state-langchain4j on the
   * class path; an application's own store bean wins.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({ChatMemoryStore.class, HarborChatMemoryStore.class})
  @ConditionalOnProperty(
      prefix = "harbor.state.chat",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  static class LangChain4jChatMemory {

    @Bean
    @ConditionalOnMissingBean(ChatMemoryStore.class)
    HarborChatMemoryStore harborChatMemoryStore(
        StateStore store, HarborStateProperties properties) {
      return new HarborChatMemoryStore(store, properties.getChat().getTenant());
    }
  }

  /**
   * LangGraph4j's {@code BaseCheckpointSaver}, with langgraph4j-core and harbor-state-langgraph4j
   * on the class path and exactly one {@code StateSerializer} bean (or one marked primary): the
   * saver serializes each checkpoint's state with it, and only the application knows how its
   * graph's state is built. Without one, no saver, and the condition report (debug) says so; an
   * application's own saver wins.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({BaseCheckpointSaver.class, HarborCheckpointSaver.class})
  @ConditionalOnProperty(
      prefix = "harbor.state.langgraph4j",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  static class LangGraph4jCheckpoints {

    @Bean
    @ConditionalOnMissingBean(BaseCheckpointSaver.class)
    @ConditionalOnSingleCandidate(StateSerializer.class)
    HarborCheckpointSaver harborCheckpointSaver(
        StateStore store, HarborStateProperties properties, StateSerializer<?> serializer) {
      return new HarborCheckpointSaver(store, properties.getLanggraph4j().getTenant(), serializer);
    }
  }

  /**
   * Google ADK's {@code BaseSessionService}, with google-adk and harbor-state-adk on the class
   * path; an application's own service wins. Each app's sessions live in a tenant of their own (the
   * service's default), or all in {@code harbor.state.adk.tenant} when set.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({BaseSessionService.class, HarborSessionService.class})
  @ConditionalOnProperty(
      prefix = "harbor.state.adk",
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  static class AdkSessions {

    @Bean
    @ConditionalOnMissingBean(BaseSessionService.class)
    HarborSessionService harborSessionService(StateStore store, HarborStateProperties properties) {
      String tenant = properties.getAdk().getTenant();
      if (tenant == null) {
        // The service's own mapping: each app name its own tenant.
        return new HarborSessionService(store);
      }
      // The same clock the one-argument constructor uses.
      return new HarborSessionService(store, app -> tenant, Clock.systemUTC());
    }
  }
}
