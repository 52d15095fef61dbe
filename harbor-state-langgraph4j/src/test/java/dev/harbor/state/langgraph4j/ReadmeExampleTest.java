package dev.harbor.state.langgraph4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bsc.langgraph4j.StateGraph.END;
import static org.bsc.langgraph4j.StateGraph.START;
import static org.bsc.langgraph4j.action.AsyncNodeAction.node_async;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bsc.langgraph4j.CompileConfig;
import org.bsc.langgraph4j.GraphInput;
import org.bsc.langgraph4j.RunnableConfig;
import org.bsc.langgraph4j.StateGraph;
import org.bsc.langgraph4j.serializer.std.ObjectStreamStateSerializer;
import org.bsc.langgraph4j.state.AgentState;
import org.bsc.langgraph4j.state.Channels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's example, as it is written there (the location aside), and the bytes it claims. */
class ReadmeExampleTest {

  @Test
  void readmeExample_runs(@TempDir Path dir) throws Exception {
    var serializer = new ObjectStreamStateSerializer<>(AgentState::new);
    try (StateStore store = StateStores.open("sqlite:" + dir.resolve("graphs.db"))) {
      var saver = new HarborCheckpointSaver(store, "acme", serializer);
      var graph =
          new StateGraph<>(Map.of("steps", Channels.appender(ArrayList::new)), serializer)
              .addNode("draft", node_async(s -> Map.of("steps", "draft")))
              .addNode(
                  "approve",
                  node_async(s -> Map.of("steps", "approve:" + s.value("decision").orElse("none"))))
              .addNode("publish", node_async(s -> Map.of("steps", "publish")))
              .addEdge(START, "draft")
              .addEdge("draft", "approve")
              .addEdge("approve", "publish")
              .addEdge("publish", END)
              .compile(
                  CompileConfig.builder()
                      .checkpointSaver(saver)
                      .interruptBefore("approve")
                      .build());

      var thread = RunnableConfig.builder().threadId("review-42").build();
      graph.invoke(Map.of("topic", "harbors"), thread);

      var decided = graph.updateState(thread, Map.of("decision", "yes"));
      AgentState end = graph.invoke(GraphInput.resume(), decided).orElseThrow();
      assertThat(end.<List<String>>value("steps").orElseThrow())
          .containsExactly("draft", "approve:yes", "publish");
    }
  }

  @Test
  void theHeadGrows188BytesPerCheckpointWithAUuidId() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      var saver = new HarborCheckpointSaver(store, "acme", Differential.SERIALIZER);
      var thread = RunnableConfig.builder().threadId("t").build();
      List<Integer> sizes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        saver.put(
            thread,
            org.bsc.langgraph4j.checkpoint.Checkpoint.builder()
                .nodeId("n")
                .nextNodeId("m")
                .state(Map.of())
                .build());
        sizes.add(
            store
                .load(saver.threadIdentity("t").sessionScoped(), HarborCheckpointSaver.HEAD_KIND)
                .bytes()
                .length);
      }
      assertThat(sizes.get(1) - sizes.get(0)).isEqualTo(188);
      assertThat(sizes.get(2) - sizes.get(1)).isEqualTo(188);
    }
  }
}
