package dev.harbor.state.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateStore;
import dev.harbor.state.testing.FaultProxy;
import dev.harbor.state.testing.TestPostgres;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A database that accepts and never answers holds the health probe for its own timeout, not for the
 * store's operationTimeout (30 s by default).
 */
class HarborStateHealthTimeoutTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(HarborStateAutoConfiguration.class));

  private final String schema = TestPostgres.newSchemaName("harbor_starter_health");

  @AfterEach
  void dropSchema() {
    TestPostgres.dropSchema(schema);
  }

  @Test
  void aSilentDatabase_isDownWithinTheProbesTimeout_andBackUpOnceItAnswers() {
    String location = TestPostgres.location(schema);
    try (FaultProxy proxy = FaultProxy.inFrontOf(location)) {
      runner
          .withPropertyValues(
              "harbor.state.location=" + proxy.location(location),
              "harbor.state.health.timeout=300ms")
          .run(
              context -> {
                HealthIndicator health =
                    context.getBean("harborStateHealthIndicator", HealthIndicator.class);
                assertThat(health.health().getStatus()).isEqualTo(Status.UP);
                proxy.stall(FaultProxy.Direction.TO_CLIENT);
                try {
                  // Bounded well below operationTimeout (30 s): the probe's 300 ms, plus slack for
                  // a loaded machine; twice, the second check joining the first's pending read.
                  for (int i = 0; i < 2; i++) {
                    Health down =
                        CompletableFuture.supplyAsync(health::health).get(10, TimeUnit.SECONDS);
                    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(down.getDetails().toString()).contains("no answer");
                  }
                } finally {
                  proxy.resume(FaultProxy.Direction.TO_CLIENT);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                Status status = health.health().getStatus();
                while (status != Status.UP && System.nanoTime() < deadline) {
                  status = health.health().getStatus();
                }
                assertThat(status).isEqualTo(Status.UP);
                assertThat(context.getBean(StateStore.class).driverName()).isEqualTo("postgres");
              });
    }
  }

  @Test
  void theProbesTimeout_defaultsToTwoSeconds() {
    runner
        .withPropertyValues("harbor.state.location=inmem:")
        .run(
            context ->
                assertThat(
                        context
                            .getBean(HarborStateProperties.class)
                            .getHealth()
                            .getTimeout()
                            .toMillis())
                    .isEqualTo(2000));
  }
}
