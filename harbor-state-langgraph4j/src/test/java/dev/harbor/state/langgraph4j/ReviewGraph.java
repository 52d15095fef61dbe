package dev.harbor.state.langgraph4j;

import static org.bsc.langgraph4j.StateGraph.END;
import static org.bsc.langgraph4j.StateGraph.START;
import static org.bsc.langgraph4j.action.AsyncNodeAction.node_async;

import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bsc.langgraph4j.CompileConfig;
import org.bsc.langgraph4j.CompiledGraph;
import org.bsc.langgraph4j.GraphInput;
import org.bsc.langgraph4j.GraphStateException;
import org.bsc.langgraph4j.RunnableConfig;
import org.bsc.langgraph4j.StateGraph;
import org.bsc.langgraph4j.checkpoint.BaseCheckpointSaver;
import org.bsc.langgraph4j.state.AgentState;
import org.bsc.langgraph4j.state.Channel;
import org.bsc.langgraph4j.state.Channels;

/**
 * A human-in-the-loop graph: {@code draft} writes a draft, the graph stops before {@code approve}
 * for a person's decision, then {@code approve} and {@code publish} run. Its {@link #main} is the
 * second process of the resume tests: it opens the store, records the decision and resumes the
 * thread, and prints the steps the thread ran.
 */
final class ReviewGraph {

  static final String TENANT = "acme";

  private ReviewGraph() {}

  static CompiledGraph<AgentState> compile(BaseCheckpointSaver saver) throws GraphStateException {
    Map<String, Channel<?>> schema = Map.of("steps", Channels.appender(ArrayList::new));
    return new StateGraph<>(schema, Differential.SERIALIZER)
        .addNode(
            "draft",
            node_async(
                s ->
                    Map.of(
                        "steps", "draft", "draft", "about " + s.value("topic").orElse("nothing"))))
        .addNode(
            "approve",
            node_async(s -> Map.of("steps", "approve:" + s.value("decision").orElse("none"))))
        .addNode("publish", node_async(s -> Map.of("steps", "publish")))
        .addEdge(START, "draft")
        .addEdge("draft", "approve")
        .addEdge("approve", "publish")
        .addEdge("publish", END)
        .compile(CompileConfig.builder().checkpointSaver(saver).interruptBefore("approve").build());
  }

  static RunnableConfig thread(String threadId) {
    return RunnableConfig.builder().threadId(threadId).build();
  }

  /** Runs the thread until it stops for the decision; returns the steps so far. */
  static List<String> start(HarborCheckpointSaver saver, String threadId, String topic)
      throws Exception {
    return steps(compile(saver).invoke(Map.of("topic", topic), thread(threadId)).orElseThrow());
  }

  /** Records the decision and resumes the thread to its end; returns every step it ran. */
  static AgentState decideAndResume(HarborCheckpointSaver saver, String threadId, String decision)
      throws Exception {
    CompiledGraph<AgentState> graph = compile(saver);
    RunnableConfig decided = graph.updateState(thread(threadId), Map.of("decision", decision));
    return graph.invoke(GraphInput.resume(), decided).orElseThrow();
  }

  static List<String> steps(AgentState state) {
    return state.<List<String>>value("steps").orElseThrow();
  }

  /** {@code LOCATION THREAD DECISION}: prints {@code STEPS a,b,c} and {@code DRAFT text}. */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (StateStore store = StateStores.open(args[0])) {
      HarborCheckpointSaver saver =
          new HarborCheckpointSaver(store, TENANT, Differential.SERIALIZER);
      AgentState end = decideAndResume(saver, args[1], args[2]);
      out.println("STEPS " + String.join(",", steps(end)));
      out.println("DRAFT " + end.value("draft").orElse(""));
    }
  }
}
