package dev.harbor.state.langgraph4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bsc.langgraph4j.checkpoint.Checkpoint;
import org.bsc.langgraph4j.state.AgentState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code StateGraph} with a human-in-the-loop interrupt: it runs until it stops for a
 * decision, and the thread is resumed elsewhere — on another store instance, and in a new JVM — on
 * SQLite and on PostgreSQL.
 */
class HarborCheckpointSaverResumeTest {

  private static final List<String> ALL_STEPS = List.of("draft", "approve:yes", "publish");

  @Test
  void sqlite_interruptedThread_resumesOnAnotherStoreInstance(@TempDir Path dir) throws Exception {
    resumeOnAnotherInstance("sqlite:" + dir.resolve("graph.db"));
  }

  @Test
  void postgres_interruptedThread_resumesOnAnotherStoreInstance() throws Exception {
    try (ScratchLocation scratch = TestPostgres.scratch()) {
      resumeOnAnotherInstance(scratch.location());
    }
  }

  @Test
  void sqlite_interruptedThread_resumesInANewProcess(@TempDir Path dir) throws Exception {
    resumeInANewProcess("sqlite:" + dir.resolve("graph.db"), dir);
  }

  @Test
  void postgres_interruptedThread_resumesInANewProcess(@TempDir Path dir) throws Exception {
    try (ScratchLocation scratch = TestPostgres.scratch()) {
      resumeInANewProcess(scratch.location(), dir);
    }
  }

  private static void resumeOnAnotherInstance(String location) throws Exception {
    try (StateStore first = StateStores.open(location);
        StateStore second = StateStores.open(location)) {
      HarborCheckpointSaver here = saver(first);
      assertThat(ReviewGraph.start(here, "review-1", "harbors")).containsExactly("draft");

      HarborCheckpointSaver there = saver(second);
      AgentState end = ReviewGraph.decideAndResume(there, "review-1", "yes");
      assertThat(ReviewGraph.steps(end)).containsExactlyElementsOf(ALL_STEPS);
      assertThat(end.<String>value("draft")).contains("about harbors");

      // The first instance's view of the thread is stale now: it may not write on it unread.
      Checkpoint stale =
          Checkpoint.builder().nodeId("draft").nextNodeId("approve").state(Map.of()).build();
      assertThatThrownBy(() -> here.put(ReviewGraph.thread("review-1"), stale))
          .isInstanceOf(ConditionFailedException.class);
      // Checkpoints have no equals: compared field by field.
      assertThat(Differential.normal(here.list(ReviewGraph.thread("review-1"))))
          .as("one history, no fork")
          .isEqualTo(Differential.normal(there.list(ReviewGraph.thread("review-1"))));
      assertThat(here.get(ReviewGraph.thread("review-1")).orElseThrow().getState().get("steps"))
          .isEqualTo(ALL_STEPS);
    }
  }

  private static void resumeInANewProcess(String location, Path dir) throws Exception {
    try (StateStore store = StateStores.open(location)) {
      assertThat(ReviewGraph.start(saver(store), "review-2", "tides")).containsExactly("draft");
    }

    File stderr = dir.resolve("child.err").toFile();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ReviewGraph.class.getName());
    command.addAll(List.of(location, "review-2", "yes"));
    Process child = new ProcessBuilder(command).redirectError(stderr).start();
    child.getOutputStream().close();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue())
        .as("child stderr:%n%s", Files.readString(stderr.toPath()))
        .isZero();
    assertThat(out.lines())
        .containsExactly("STEPS " + String.join(",", ALL_STEPS), "DRAFT about tides");

    // The resumed thread is durable: a third store instance reads the whole history.
    try (StateStore store = StateStores.open(location)) {
      List<Checkpoint> history = List.copyOf(saver(store).list(ReviewGraph.thread("review-2")));
      assertThat(history.get(0).getState().get("steps")).isEqualTo(ALL_STEPS);
      assertThat(history.get(history.size() - 1).getState()).doesNotContainKey("decision");
    }
  }

  private static HarborCheckpointSaver saver(StateStore store) {
    return new HarborCheckpointSaver(store, ReviewGraph.TENANT, Differential.SERIALIZER);
  }
}
