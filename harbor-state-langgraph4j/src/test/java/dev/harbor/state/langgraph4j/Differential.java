package dev.harbor.state.langgraph4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import org.bsc.langgraph4j.RunnableConfig;
import org.bsc.langgraph4j.checkpoint.BaseCheckpointSaver;
import org.bsc.langgraph4j.checkpoint.Checkpoint;
import org.bsc.langgraph4j.checkpoint.MemorySaver;
import org.bsc.langgraph4j.serializer.std.ObjectStreamStateSerializer;
import org.bsc.langgraph4j.state.AgentState;

/**
 * One seeded sequence of saver calls run on LangGraph4j's {@link MemorySaver} and on a {@link
 * HarborCheckpointSaver}, every outcome compared: values field by field, failures by type and
 * message.
 */
final class Differential {

  static final ObjectStreamStateSerializer<AgentState> SERIALIZER =
      new ObjectStreamStateSerializer<>(AgentState::new);

  /**
   * Thread ids a user could send: the default thread, ids that look like the mapping's own forms,
   * separators, NUL, lone surrogates, and ids past the store's 256-byte limit.
   */
  static final List<String> THREAD_IDS =
      List.of(
          "a",
          "",
          "$default",
          "t:a",
          "h:" + "0".repeat(64),
          "alice/support-42",
          "/x",
          "x/",
          "\0",
          "\uD800",
          "x\uDC00y",
          "x".repeat(200),
          "x".repeat(201),
          "x".repeat(5000),
          "é".repeat(101),
          "😀".repeat(60),
          "%_\\*?");

  private static final List<String> CHECKPOINT_IDS = List.of("c1", "c2", "c3", "\0", "\uDFFF");
  private static final List<String> NODES = List.of("agent", "tools", "__START__", "", "\0n\uD800");

  private Differential() {}

  /**
   * Runs {@code operations} calls of the sequence {@code seed}.
   *
   * @param newSaver a fresh saver on the same store and tenant; the sequence now and then moves to
   *     a new one (another process, as far as the saver's memory goes)
   */
  static void run(long seed, int operations, Supplier<BaseCheckpointSaver> newSaver)
      throws Exception {
    Random random = new Random(seed);
    MemorySaver reference = new MemorySaver();
    BaseCheckpointSaver ours = newSaver.get();
    List<String> threads = new ArrayList<>();
    threads.add(null); // no thread id: the default thread
    for (int i = 0; i < 3; i++) {
      threads.add(THREAD_IDS.get(random.nextInt(THREAD_IDS.size())));
    }
    // Checkpoint ids the reference holds per thread, to aim replaces and lookups at.
    List<String> log = new ArrayList<>();
    for (int op = 0; op < operations; op++) {
      String thread = threads.get(random.nextInt(threads.size()));
      int dice = random.nextInt(100);
      RunnableConfig config;
      String what;
      Call call;
      if (dice < 40) {
        Checkpoint cp = checkpoint(random);
        config = config(thread, null);
        what = "put " + describe(cp);
        call = s -> s.put(config, cp);
      } else if (dice < 55) {
        String target = aim(random, reference, config(thread, null));
        Checkpoint cp = checkpoint(random);
        config = config(thread, target);
        what = "replace " + Show.id(target) + " by " + describe(cp);
        call = s -> s.put(config, cp);
      } else if (dice < 65) {
        config = config(thread, null);
        what = "get newest";
        call = s -> s.get(config);
      } else if (dice < 75) {
        String target = aim(random, reference, config(thread, null));
        config = config(thread, target);
        what = "get " + Show.id(target);
        call = s -> s.get(config);
      } else if (dice < 88) {
        config = config(thread, null);
        what = "list";
        call = s -> s.list(config);
      } else if (dice < 95) {
        config = config(thread, null);
        what = "release";
        call = s -> s.release(config);
      } else {
        ours = newSaver.get();
        log.add(op + ": new saver");
        continue;
      }
      log.add(op + ": " + Show.id(thread) + " " + what);
      Object expected = outcome(call, reference);
      Object actual = outcome(call, ours);
      assertThat(actual)
          .as("seed %d, after:%n%s", seed, String.join("\n", log))
          .isEqualTo(expected);
    }
  }

  interface Call {
    Object apply(BaseCheckpointSaver saver) throws Exception;
  }

  private static Object outcome(Call call, BaseCheckpointSaver saver) {
    try {
      return normal(call.apply(saver));
    } catch (Exception e) {
      return List.of("throws", e.getClass().getName(), String.valueOf(e.getMessage()));
    }
  }

  /** A value as comparable data: checkpoints by their fields, configs by thread and checkpoint. */
  static Object normal(Object value) {
    if (value instanceof Checkpoint cp) {
      return List.of("checkpoint", cp.getId(), cp.getNodeId(), cp.getNextNodeId(), cp.getState());
    }
    if (value instanceof Optional<?> o) {
      return o.map(v -> List.of("present", normal(v))).orElse(List.of("empty"));
    }
    if (value instanceof Collection<?> c) {
      return c.stream().map(Differential::normal).toList();
    }
    if (value instanceof RunnableConfig rc) {
      return List.of("config", rc.threadId(), rc.checkPointId());
    }
    if (value instanceof BaseCheckpointSaver.Tag tag) {
      return List.of("tag", tag.threadId(), normal(tag.checkpoints()));
    }
    throw new AssertionError("unexpected result " + value);
  }

  /** A checkpoint id for a replace or lookup: mostly one the thread holds, sometimes any. */
  private static String aim(Random random, MemorySaver reference, RunnableConfig config) {
    List<Checkpoint> held = List.copyOf(reference.list(config));
    if (held.isEmpty() || random.nextInt(5) == 0) {
      return CHECKPOINT_IDS.get(random.nextInt(CHECKPOINT_IDS.size()));
    }
    return held.get(random.nextInt(held.size())).getId();
  }

  static RunnableConfig config(String thread, String checkpointId) {
    RunnableConfig.Builder b = RunnableConfig.builder();
    if (thread != null) {
      b.threadId(thread);
    }
    if (checkpointId != null) {
      b.checkPointId(checkpointId);
    }
    return b.build();
  }

  private static Checkpoint checkpoint(Random random) {
    String id =
        random.nextInt(3) == 0
            ? CHECKPOINT_IDS.get(random.nextInt(CHECKPOINT_IDS.size()))
            : new UUID(random.nextLong(), random.nextLong()).toString();
    Map<String, Object> state = new HashMap<>();
    state.put("n", random.nextInt(1000));
    state.put("s", THREAD_IDS.get(random.nextInt(THREAD_IDS.size())));
    List<String> list = new ArrayList<>();
    for (int i = random.nextInt(4); i > 0; i--) {
      list.add("m" + random.nextInt(100));
    }
    state.put("messages", list);
    return Checkpoint.builder()
        .id(id)
        .nodeId(NODES.get(random.nextInt(NODES.size())))
        .nextNodeId(NODES.get(random.nextInt(NODES.size())))
        .state(state)
        .build();
  }

  private static String describe(Checkpoint cp) {
    return Show.id(cp.getId()) + "@" + Show.id(cp.getNodeId());
  }

  /** Ids in messages, printable. */
  static final class Show {
    static String id(String id) {
      return id == null ? "(none)" : HarborCheckpointSaver.describe(id);
    }
  }
}
