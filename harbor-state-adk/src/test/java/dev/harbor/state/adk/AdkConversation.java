package dev.harbor.state.adk;

import com.google.adk.agents.LlmAgent;
import com.google.adk.artifacts.InMemoryArtifactService;
import com.google.adk.events.Event;
import com.google.adk.models.BaseLlm;
import com.google.adk.models.BaseLlmConnection;
import com.google.adk.models.LlmRequest;
import com.google.adk.models.LlmResponse;
import com.google.adk.runner.Runner;
import com.google.adk.sessions.Session;
import com.google.genai.types.Content;
import com.google.genai.types.Part;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import io.reactivex.rxjava3.core.Flowable;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One turn of a conversation with an ADK agent whose model is scripted (no network), on a store:
 * the end-to-end test runs turns in its own JVM and, through {@link #main}, in a new one.
 */
final class AdkConversation {

  static final String APP = "support";

  private AdkConversation() {}

  /**
   * A model that answers from the whole conversation it is sent: which turn this is and every user
   * message so far. A resumed session that lost its history answers differently.
   */
  static final class ScriptedLlm extends BaseLlm {
    ScriptedLlm() {
      super("scripted");
    }

    @Override
    public Flowable<LlmResponse> generateContent(LlmRequest request, boolean stream) {
      List<String> heard = new ArrayList<>();
      for (Content c : request.contents()) {
        if (c.role().orElse("").equals("user")) {
          c.parts().orElse(List.of()).forEach(p -> p.text().ifPresent(heard::add));
        }
      }
      String reply = "turn " + heard.size() + ": I have heard " + String.join(" | ", heard);
      return Flowable.just(
          LlmResponse.builder()
              .content(Content.builder().role("model").parts(Part.fromText(reply)).build())
              .build());
    }

    @Override
    public BaseLlmConnection connect(LlmRequest request) {
      throw new UnsupportedOperationException("the scripted model has no live connection");
    }
  }

  /** Runs one user turn; returns the agent's replies. */
  static List<String> turn(StateStore store, String user, String sessionId, String message) {
    HarborSessionService sessions = new HarborSessionService(store);
    LlmAgent agent =
        LlmAgent.builder()
            .name("assistant")
            .model(new ScriptedLlm())
            .instruction("Answer the user.")
            .outputKey("last_reply")
            .build();
    Runner runner =
        Runner.builder()
            .agent(agent)
            .appName(APP)
            .artifactService(new InMemoryArtifactService())
            .sessionService(sessions)
            .build();
    List<String> replies = new ArrayList<>();
    for (Event e :
        runner
            .runAsync(user, sessionId, Content.fromParts(Part.fromText(message)))
            .toList()
            .blockingGet()) {
      if (e.author().equals("assistant")) {
        replies.add(e.stringifyContent());
      }
    }
    return replies;
  }

  /**
   * {@code LOCATION USER SESSION MESSAGE}: opens the store, runs one turn, prints {@code REPLY
   * text} per reply, then {@code EVENTS n} and {@code LAST_REPLY value} as stored, and exits.
   */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try (StateStore store = StateStores.open(args[0])) {
      for (String reply : turn(store, args[1], args[2], args[3])) {
        out.println("REPLY " + reply);
      }
      Session s =
          new HarborSessionService(store)
              .getSession(APP, args[1], args[2], Optional.empty())
              .blockingGet();
      out.println("EVENTS " + s.events().size());
      out.println("LAST_REPLY " + s.state().get("last_reply"));
    }
  }
}
