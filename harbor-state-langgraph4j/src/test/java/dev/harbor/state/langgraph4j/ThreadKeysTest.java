package dev.harbor.state.langgraph4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bsc.langgraph4j.RunnableConfig;
import org.bsc.langgraph4j.checkpoint.Checkpoint;
import org.junit.jupiter.api.Test;

/** Thread ids onto session ids: every string accepted, no two sharing a session. */
class ThreadKeysTest {

  /** Hostile ids plus random strings over an alphabet of troublemakers. */
  private static List<String> hostileIds() {
    List<String> ids = new ArrayList<>(Differential.THREAD_IDS);
    ids.add("t:" + "x".repeat(198));
    ids.add("x".repeat(198));
    ids.add("\uD83D\uDE00".repeat(50)); // 200 UTF-8 bytes: the plain form's edge
    ids.add("\uD83D\uDE00".repeat(51));
    Random random = new Random(26);
    char[] alphabet = {'a', '/', ':', '\0', '\uD800', '\uDC00', 'é', 't', 'h', '%', '\n'};
    for (int i = 0; i < 5000; i++) {
      StringBuilder s = new StringBuilder();
      for (int n = random.nextInt(8); n > 0; n--) {
        s.append(alphabet[random.nextInt(alphabet.length)]);
      }
      ids.add(s.toString());
    }
    return ids;
  }

  @Test
  void everyThreadId_mapsToAValidSession_andNoTwoShareOne() {
    Map<String, String> bySession = new HashMap<>();
    for (String id : hostileIds()) {
      String session = ThreadKeys.sessionOf(id);
      assertThat(session.getBytes(UTF_8).length).isBetween(1, 256);
      assertThat(session).doesNotContain("\0");
      assertThat(new String(session.getBytes(UTF_8), UTF_8)).as("well-formed").isEqualTo(session);
      String other = bySession.putIfAbsent(session, id);
      assertThat(other == null || other.equals(id))
          .as("%s and %s share %s", Differential.Show.id(id), Differential.Show.id(other), session)
          .isTrue();
    }
  }

  @Test
  void threadsWithHostileIds_keepTheirOwnCheckpoints() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      HarborCheckpointSaver saver =
          new HarborCheckpointSaver(store, "acme", Differential.SERIALIZER);
      List<String> ids = hostileIds().subList(0, Differential.THREAD_IDS.size() + 4);
      for (String id : ids) {
        saver.put(config(id), checkpoint(id));
      }
      HarborCheckpointSaver another =
          new HarborCheckpointSaver(store, "acme", Differential.SERIALIZER);
      for (String id : ids) {
        assertThat(another.list(config(id)))
            .singleElement()
            .satisfies(cp -> assertThat(cp.getState()).containsEntry("thread", id));
      }
    }
  }

  @Test
  void tenantsAreApart() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      new HarborCheckpointSaver(store, "acme", Differential.SERIALIZER)
          .put(config("t"), checkpoint("t"));
      assertThat(
              new HarborCheckpointSaver(store, "other", Differential.SERIALIZER).list(config("t")))
          .isEmpty();
    }
  }

  @Test
  void badTenant_isRefusedAtConstruction() {
    try (StateStore store = StateStores.open("inmem:")) {
      assertThatThrownBy(() -> new HarborCheckpointSaver(store, "", Differential.SERIALIZER))
          .isInstanceOf(IdentityRequiredException.class);
      for (String bad : List.of("a\0b", "\uD800", "x".repeat(257))) {
        assertThatThrownBy(() -> new HarborCheckpointSaver(store, bad, Differential.SERIALIZER))
            .isInstanceOf(InvalidRecordException.class);
      }
      assertThatThrownBy(() -> new HarborCheckpointSaver(null, "a", Differential.SERIALIZER))
          .isInstanceOf(NullPointerException.class);
    }
  }

  private static RunnableConfig config(String thread) {
    return RunnableConfig.builder().threadId(thread).build();
  }

  private static Checkpoint checkpoint(String thread) {
    return Checkpoint.builder().nodeId("n").nextNodeId("m").state(Map.of("thread", thread)).build();
  }
}
