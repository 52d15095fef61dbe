package dev.harbor.state.langgraph4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.Identity;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.ListScope;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.io.NotSerializableException;
import java.util.List;
import java.util.Map;
import org.bsc.langgraph4j.RunnableConfig;
import org.bsc.langgraph4j.checkpoint.Checkpoint;
import org.junit.jupiter.api.Test;

/** Bad input, release and erasure: what the differential test cannot reach. */
class HarborCheckpointSaverTest {

  private static final RunnableConfig THREAD = RunnableConfig.builder().threadId("t-1").build();

  @Test
  void put_stateTheSerializerCannotWrite_throwsAndWritesNothing() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      HarborCheckpointSaver saver = saver(store);
      saver.put(THREAD, checkpoint("kept", Map.of("n", 1)));
      assertThatThrownBy(() -> saver.put(THREAD, checkpoint("bad", Map.of("x", new Object()))))
          .isInstanceOf(NotSerializableException.class);
      assertThat(saver.list(THREAD)).extracting(Checkpoint::getId).containsExactly("kept");
      assertThat(store.listKind(ListScope.MAINTENANCE, "langgraph4j.")).hasSize(2);
    }
  }

  @Test
  void put_stateOverThePayloadLimit_isRefusedWhole() throws Exception {
    try (StateStore store = StateStores.open("inmem:?maxPayloadBytes=4KiB")) {
      HarborCheckpointSaver saver = saver(store);
      saver.put(THREAD, checkpoint("kept", Map.of("n", 1)));
      assertThatThrownBy(() -> saver.put(THREAD, checkpoint("big", Map.of("s", "x".repeat(8192)))))
          .isInstanceOf(InvalidRecordException.class);
      assertThat(saver.list(THREAD)).extracting(Checkpoint::getId).containsExactly("kept");
      // The saver's view is unchanged, so it goes on writing.
      saver.put(THREAD, checkpoint("next", Map.of("n", 2)));
      assertThat(saver.list(THREAD)).extracting(Checkpoint::getId).containsExactly("next", "kept");
    }
  }

  @Test
  void release_removesEveryRecordOfTheThread_andTheThreadStartsAfresh() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      HarborCheckpointSaver saver = saver(store);
      for (int i = 0; i < 5; i++) {
        saver.put(THREAD, checkpoint("c" + i, Map.of("n", i)));
      }
      assertThat(saver.release(THREAD).checkpoints())
          .extracting(Checkpoint::getId)
          .containsExactly("c4", "c3", "c2", "c1", "c0");
      assertThat(store.listKind(ListScope.MAINTENANCE, "langgraph4j.")).isEmpty();
      assertThat(saver.list(THREAD)).isEmpty();
      saver.put(THREAD, checkpoint("again", Map.of()));
      assertThat(saver(store).list(THREAD)).extracting(Checkpoint::getId).containsExactly("again");
    }
  }

  @Test
  void put_afterAnotherSaverReleasedTheThread_isRefused() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      HarborCheckpointSaver a = saver(store);
      HarborCheckpointSaver b = saver(store);
      a.put(THREAD, checkpoint("c0", Map.of()));
      assertThat(b.get(THREAD)).isPresent();
      a.release(THREAD);
      assertThatThrownBy(() -> b.put(THREAD, checkpoint("c1", Map.of())))
          .isInstanceOf(ConditionFailedException.class);
      assertThat(a.list(THREAD)).isEmpty();
    }
  }

  @Test
  void deleteScopeOfTheThreadIdentity_erasesTheThread() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      HarborCheckpointSaver saver = saver(store);
      saver.put(THREAD, checkpoint("c0", Map.of()));
      saver.put(THREAD, checkpoint("c1", Map.of()));
      Identity identity = saver.threadIdentity("t-1");
      assertThat(identity).isEqualTo(new Identity("acme", "langgraph4j", "t:t-1"));
      assertThat(store.deleteScope(identity)).isEqualTo(3);
      assertThat(saver(store).list(THREAD)).isEmpty();
    }
  }

  @Test
  void aCheckpointIsReadAsItWasPut_notAsTheCallerChangedItAfterwards() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      HarborCheckpointSaver saver = saver(store);
      java.util.HashMap<String, Object> state = new java.util.HashMap<>(Map.of("n", 1));
      saver.put(THREAD, checkpoint("c0", state));
      state.put("n", 2);
      assertThat(saver.get(THREAD).orElseThrow().getState()).containsEntry("n", 1);
      assertThat(saver.list(THREAD)).hasSize(1);
      assertThat(List.copyOf(saver.list(THREAD)).get(0).getState()).isEqualTo(Map.of("n", 1));
    }
  }

  @Test
  void storeCallsPerOperation_areFixed() throws Exception {
    try (StateStore inner = StateStores.open("inmem:")) {
      List<String> calls = new java.util.ArrayList<>();
      StateStore store =
          (StateStore)
              java.lang.reflect.Proxy.newProxyInstance(
                  StateStore.class.getClassLoader(),
                  new Class<?>[] {StateStore.class},
                  (proxy, m, args) -> {
                    calls.add(m.getName());
                    try {
                      return m.invoke(inner, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                      throw e.getCause();
                    }
                  });
      HarborCheckpointSaver saver = saver(store);
      for (int i = 0; i < 3; i++) {
        saver.put(THREAD, checkpoint("c" + i, Map.of("n", i)));
      }
      calls.clear();
      saver.put(THREAD, checkpoint("c3", Map.of()));
      assertThat(calls).as("put").containsExactly("find", "saveBatchIf");
      calls.clear();
      saver.get(THREAD);
      assertThat(calls).as("get").containsExactly("find", "find");
      calls.clear();
      saver.list(THREAD);
      assertThat(calls).as("list").containsExactly("find", "listKindForIdentity");
      calls.clear();
      saver.release(THREAD);
      assertThat(calls)
          .as("release of 4 checkpoints")
          .containsExactly(
              "find",
              "listKindForIdentity",
              "deleteIf",
              "listKindForIdentity",
              "delete",
              "delete",
              "delete",
              "delete");
    }
  }

  private static HarborCheckpointSaver saver(StateStore store) {
    return new HarborCheckpointSaver(store, "acme", Differential.SERIALIZER);
  }

  private static Checkpoint checkpoint(String id, Map<String, Object> state) {
    return Checkpoint.builder().id(id).nodeId("n").nextNodeId("m").state(state).build();
  }
}
