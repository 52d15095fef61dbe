package dev.harbor.state.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.adk.sessions.BaseSessionService;
import com.google.adk.sessions.InMemorySessionService;
import com.google.adk.sessions.Session;
import dev.harbor.state.StateStore;
import dev.harbor.state.adk.HarborSessionService;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Google ADK's {@code BaseSessionService} over the store: defined when google-adk and
 * harbor-state-adk are on the class path; the application's own service, or {@code
 * harbor.state.adk.enabled=false}, wins.
 */
class HarborStateSessionServiceBeanTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(HarborStateAutoConfiguration.class))
          .withPropertyValues("harbor.state.location=inmem:");

  @Test
  void aSessionServiceOverTheStore_eachAppItsOwnTenant_byDefault() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(BaseSessionService.class);
          BaseSessionService sessions = context.getBean(BaseSessionService.class);
          assertThat(sessions).isInstanceOf(HarborSessionService.class);
          sessions.createSession("app", "alice", Map.of("k", "v"), "s1").blockingGet();
          StateStore store = context.getBean(StateStore.class);
          Session read =
              new HarborSessionService(store)
                  .getSession("app", "alice", "s1", Optional.empty())
                  .blockingGet();
          assertThat(read).isNotNull();
          assertThat(read.state()).containsEntry("k", "v");
        });
  }

  @Test
  void aConfiguredTenant_holdsEveryApp() {
    runner
        .withPropertyValues("harbor.state.adk.tenant=acme")
        .run(
            context -> {
              BaseSessionService sessions = context.getBean(BaseSessionService.class);
              sessions.createSession("app", "alice", Map.of(), "s1").blockingGet();
              StateStore store = context.getBean(StateStore.class);
              assertThat(
                      new HarborSessionService(store, app -> "acme", Clock.systemUTC())
                          .getSession("app", "alice", "s1", Optional.empty())
                          .blockingGet())
                  .isNotNull();
              assertThat(
                      new HarborSessionService(store)
                          .getSession("app", "alice", "s1", Optional.empty())
                          .blockingGet())
                  .as("not in the app's default tenant")
                  .isNull();
            });
  }

  @Test
  void theApplicationsOwnService_wins() {
    InMemorySessionService own = new InMemorySessionService();
    runner
        .withBean(BaseSessionService.class, () -> own)
        .run(context -> assertThat(context.getBean(BaseSessionService.class)).isSameAs(own));
  }

  @Test
  void withoutOurAdapter_noService() {
    runner
        .withClassLoader(new FilteredClassLoader(HarborSessionService.class))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(BaseSessionService.class);
            });
  }

  @Test
  void withoutAdk_noService_andTheRestStarts() {
    runner
        .withClassLoader(new FilteredClassLoader("com.google.adk"))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasSingleBean(StateStore.class);
              assertThat(context).doesNotHaveBean("harborSessionService");
            });
  }

  @Test
  void enabledFalse_definesNone() {
    runner
        .withPropertyValues("harbor.state.adk.enabled=false")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(BaseSessionService.class);
            });
  }

  @Test
  void aMisspelledKey_failsTheStart_namingIt() {
    runner
        .withPropertyValues("harbor.state.adk.tenent=acme")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(TestPools.messages(context.getStartupFailure()))
                  .contains("harbor.state.adk.tenent");
            });
  }
}
