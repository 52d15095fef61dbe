package dev.harbor.state.adk;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.adk.events.Event;
import com.google.adk.sessions.Session;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADK's own {@code Runner}, {@code LlmAgent} and a scripted model on this session service: a
 * conversation starts in this JVM, the store is closed (the process "stops"), and a new JVM resumes
 * the session: its model is sent the whole earlier conversation, and the state the agent wrote
 * ({@code outputKey}) is there.
 */
class AdkRunnerResumeTest {

  @TempDir Path dir;

  @Test
  void sqlite_conversationResumesInANewProcess() throws Exception {
    resume("sqlite:" + dir.resolve("agent.db"));
  }

  @Test
  void postgres_conversationResumesInANewProcess() throws Exception {
    try (ScratchLocation scratch = TestPostgres.scratch()) {
      resume(scratch.location());
    }
  }

  private void resume(String location) throws Exception {
    try (StateStore store = StateStores.open(location)) {
      new HarborSessionService(store)
          .createSession(AdkConversation.APP, "ada", Map.of("plan", "pro"), "chat-1")
          .blockingGet();
      assertThat(AdkConversation.turn(store, "ada", "chat-1", "My name is Ada."))
          .containsExactly("turn 1: I have heard My name is Ada.");
    } // this "process" stops: nothing is left in memory

    List<String> child = runChild(location, "ada", "chat-1", "What is my name?");

    String second = "turn 2: I have heard My name is Ada. | What is my name?";
    assertThat(child).containsExactly("REPLY " + second, "EVENTS 4", "LAST_REPLY " + second);
    try (StateStore store = StateStores.open(location)) {
      Session s =
          new HarborSessionService(store)
              .getSession(AdkConversation.APP, "ada", "chat-1", Optional.empty())
              .blockingGet();
      List<String> log = new ArrayList<>();
      for (Event e : s.events()) {
        log.add(e.author() + ": " + e.stringifyContent());
      }
      assertThat(log)
          .containsExactly(
              "user: My name is Ada.",
              "assistant: turn 1: I have heard My name is Ada.",
              "user: What is my name?",
              "assistant: " + second);
      assertThat(s.state()).containsEntry("plan", "pro").containsEntry("last_reply", second);
    }
  }

  /** Runs {@link AdkConversation#main} in a new JVM with this test's class path. */
  private List<String> runChild(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(AdkConversation.class.getName());
    command.addAll(List.of(args));
    File stdout = dir.resolve("child.out").toFile();
    File stderr = dir.resolve("child.err").toFile();
    Process child =
        new ProcessBuilder(command).redirectOutput(stdout).redirectError(stderr).start();
    boolean exited = child.waitFor(120, TimeUnit.SECONDS);
    if (!exited) {
      child.destroyForcibly();
    }
    String err = Files.readString(stderr.toPath(), StandardCharsets.UTF_8);
    assertThat(exited).as("child exited; stderr: %s", err).isTrue();
    assertThat(child.exitValue()).as("child exit code; stderr: %s", err).isZero();
    return Files.readAllLines(stdout.toPath(), StandardCharsets.UTF_8);
  }
}
