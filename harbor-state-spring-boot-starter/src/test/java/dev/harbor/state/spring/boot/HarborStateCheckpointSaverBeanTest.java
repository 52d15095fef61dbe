package dev.harbor.state.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateStore;
import dev.harbor.state.langgraph4j.HarborCheckpointSaver;
import java.util.Map;
import org.bsc.langgraph4j.RunnableConfig;
import org.bsc.langgraph4j.checkpoint.BaseCheckpointSaver;
import org.bsc.langgraph4j.checkpoint.Checkpoint;
import org.bsc.langgraph4j.checkpoint.MemorySaver;
import org.bsc.langgraph4j.serializer.StateSerializer;
import org.bsc.langgraph4j.serializer.std.ObjectStreamStateSerializer;
import org.bsc.langgraph4j.state.AgentState;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.condition.ConditionEvaluationReport;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * LangGraph4j's {@code BaseCheckpointSaver} over the store: defined when langgraph4j-core and
 * harbor-state-langgraph4j are on the class path and the application has one {@code
 * StateSerializer} bean (the saver cannot guess how the graph's state serializes); the
 * application's own saver, or {@code harbor.state.langgraph4j.enabled=false}, wins.
 */
class HarborStateCheckpointSaverBeanTest {

  private static final RunnableConfig THREAD = RunnableConfig.builder().threadId("t-1").build();

  private static StateSerializer<AgentState> serializer() {
    return new ObjectStreamStateSerializer<>(AgentState::new);
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(HarborStateAutoConfiguration.class))
          .withPropertyValues("harbor.state.location=inmem:");

  @Test
  void withOneSerializer_aSaverOverTheStore_inTheConfiguredTenant() {
    StateSerializer<AgentState> serializer = serializer();
    runner
        .withPropertyValues("harbor.state.langgraph4j.tenant=acme")
        .withBean(StateSerializer.class, () -> serializer)
        .run(
            context -> {
              assertThat(context).hasSingleBean(BaseCheckpointSaver.class);
              BaseCheckpointSaver saver = context.getBean(BaseCheckpointSaver.class);
              assertThat(saver).isInstanceOf(HarborCheckpointSaver.class);
              saver.put(THREAD, checkpoint("c0"));
              StateStore store = context.getBean(StateStore.class);
              assertThat(new HarborCheckpointSaver(store, "acme", serializer).list(THREAD))
                  .extracting(Checkpoint::getId)
                  .containsExactly("c0");
              assertThat(new HarborCheckpointSaver(store, "default", serializer).list(THREAD))
                  .isEmpty();
            });
  }

  @Test
  void theTenant_isDefaultByDefault() {
    StateSerializer<AgentState> serializer = serializer();
    runner
        .withBean(StateSerializer.class, () -> serializer)
        .run(
            context -> {
              context.getBean(BaseCheckpointSaver.class).put(THREAD, checkpoint("c0"));
              StateStore store = context.getBean(StateStore.class);
              assertThat(new HarborCheckpointSaver(store, "default", serializer).list(THREAD))
                  .extracting(Checkpoint::getId)
                  .containsExactly("c0");
            });
  }

  @Test
  void withoutASerializer_noSaver_andTheConditionReportSaysWhy() {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(BaseCheckpointSaver.class);
          assertThat(conditionReport(context)).contains("StateSerializer");
        });
  }

  @Test
  void withTwoSerializers_noSaver() {
    runner
        .withBean("first", StateSerializer.class, HarborStateCheckpointSaverBeanTest::serializer)
        .withBean("second", StateSerializer.class, HarborStateCheckpointSaverBeanTest::serializer)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(BaseCheckpointSaver.class);
            });
  }

  @Test
  void theApplicationsOwnSaver_wins() {
    MemorySaver own = new MemorySaver();
    runner
        .withBean(StateSerializer.class, HarborStateCheckpointSaverBeanTest::serializer)
        .withBean(BaseCheckpointSaver.class, () -> own)
        .run(context -> assertThat(context.getBean(BaseCheckpointSaver.class)).isSameAs(own));
  }

  @Test
  void withoutOurAdapter_noSaver() {
    runner
        .withClassLoader(new FilteredClassLoader(HarborCheckpointSaver.class))
        .withBean(StateSerializer.class, HarborStateCheckpointSaverBeanTest::serializer)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(BaseCheckpointSaver.class);
            });
  }

  @Test
  void withoutLangGraph4j_noSaver_andTheRestStarts() {
    runner
        .withClassLoader(new FilteredClassLoader("org.bsc.langgraph4j"))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).hasSingleBean(StateStore.class);
              assertThat(context).doesNotHaveBean("harborCheckpointSaver");
            });
  }

  @Test
  void enabledFalse_definesNone() {
    runner
        .withPropertyValues("harbor.state.langgraph4j.enabled=false")
        .withBean(StateSerializer.class, HarborStateCheckpointSaverBeanTest::serializer)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(BaseCheckpointSaver.class);
            });
  }

  @Test
  void aMisspelledKey_failsTheStart_namingIt() {
    runner
        .withPropertyValues("harbor.state.langgraph4j.tenent=acme")
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(TestPools.messages(context.getStartupFailure()))
                  .contains("harbor.state.langgraph4j.tenent");
            });
  }

  private static Checkpoint checkpoint(String id) {
    return Checkpoint.builder().id(id).nodeId("n").nextNodeId("m").state(Map.of("n", 1)).build();
  }

  private static String conditionReport(AssertableApplicationContext context) {
    StringBuilder out = new StringBuilder();
    ConditionEvaluationReport.get(context.getBeanFactory())
        .getConditionAndOutcomesBySource()
        .forEach(
            (source, outcomes) -> {
              if (source.contains("LangGraph4j")) {
                outcomes.forEach(o -> out.append(source).append(": ").append(o.getOutcome()));
              }
            });
    return out.toString();
  }
}
