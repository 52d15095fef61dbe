package dev.harbor.state.langchain4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.chat.Erasure;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ChatMessageDeserializer;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HarborChatMemoryStoreTest {

  private final StateStore store = StateStores.open("inmem:");
  private final HarborChatMemoryStore memoryStore = new HarborChatMemoryStore(store, "acme");

  @AfterEach
  void close() {
    store.close();
  }

  private static List<String> texts(List<ChatMessage> messages) {
    return messages.stream().map(m -> ((UserMessage) m).singleText()).toList();
  }

  @Test
  void get_update_delete_andEveryMessageTypeRoundTrips() {
    assertThat(memoryStore.getMessages("c")).isEmpty();
    ToolExecutionRequest request =
        ToolExecutionRequest.builder().id("t1").name("weather").arguments("{\"c\":1}").build();
    List<ChatMessage> messages =
        List.of(
            SystemMessage.from("be brief"),
            UserMessage.from("weather?"),
            AiMessage.from(List.of(request)),
            ToolExecutionResultMessage.from(request, "sunny"),
            AiMessage.from("sunny today"));
    memoryStore.updateMessages("alice/c", messages);
    assertThat(memoryStore.getMessages("alice/c")).containsExactlyElementsOf(messages);
    assertThat(memoryStore.conversationIds()).containsExactly("alice/c");

    memoryStore.updateMessages("alice/c", List.of(UserMessage.from("only")));
    assertThat(memoryStore.getMessages("alice/c")).containsExactly(UserMessage.from("only"));

    memoryStore.deleteMessages("alice/c");
    assertThat(memoryStore.getMessages("alice/c")).isEmpty();
    assertThat(memoryStore.conversationIds()).isEmpty();
  }

  @Test
  void underMessageWindowChatMemory_theWindowIsWhatIsStored() {
    ChatMemory memory =
        MessageWindowChatMemory.builder()
            .id("c")
            .maxMessages(3)
            .chatMemoryStore(memoryStore)
            .build();
    memory.add(SystemMessage.from("sys"));
    for (int i = 0; i < 5; i++) {
      memory.add(UserMessage.from("m" + i));
    }
    List<ChatMessage> expected =
        List.of(SystemMessage.from("sys"), UserMessage.from("m3"), UserMessage.from("m4"));
    assertThat(memory.messages()).containsExactlyElementsOf(expected);
    assertThat(memoryStore.getMessages("c")).containsExactlyElementsOf(expected);
    memory.clear();
    assertThat(memoryStore.getMessages("c")).isEmpty();
  }

  private ChatMemory window(String id, HarborChatMemoryStore memoryStore, int maxMessages) {
    return MessageWindowChatMemory.builder()
        .id(id)
        .maxMessages(maxMessages)
        .chatMemoryStore(memoryStore)
        .build();
  }

  /**
   * Issue 23, defect 2: a window memory of 10, 120 turns, a clear, then more turns: the same store
   * read nothing of what followed, forever.
   */
  @Test
  void underMessageWindowChatMemory_aClearAfterMoreThanAHundredMessages_showsWhatFollows() {
    ChatMemory memory = window("c", memoryStore, 10);
    for (int turn = 0; turn < 120; turn++) {
      memory.add(UserMessage.from("q" + turn));
      memory.add(UserMessage.from("a" + turn));
    }
    memory.clear();
    List<String> expected = new ArrayList<>();
    for (int turn = 0; turn < 3; turn++) {
      memory.add(UserMessage.from("new-q" + turn));
      memory.add(UserMessage.from("new-a" + turn));
      expected.addAll(List.of("new-q" + turn, "new-a" + turn));
    }
    assertThat(texts(memory.messages())).containsExactlyElementsOf(expected);
    assertThat(texts(new HarborChatMemoryStore(store, "acme").getMessages("c")))
        .containsExactlyElementsOf(expected);
  }

  /**
   * Issue 23, defect 3: after an erasure through the store's API, the window memory kept serving
   * the erased messages, and mixed them with the next ones.
   */
  @ParameterizedTest
  @EnumSource(Erasure.class)
  void underMessageWindowChatMemory_erasedMessagesNeverComeBack(Erasure erasure) {
    ChatMemory memory = window("alice/c", memoryStore, 10);
    ChatMemory otherMemory = window("alice/c", new HarborChatMemoryStore(store, "acme"), 10);
    List<String> before = List.of("secret-1", "secret-2", "secret-3");
    before.forEach(text -> memory.add(UserMessage.from(text)));
    assertThat(texts(memory.messages())).containsExactlyElementsOf(before);
    assertThat(texts(otherMemory.messages())).containsExactlyElementsOf(before);

    StateRecord removed =
        erasure.apply(
            store,
            Quadruple.of(new Identity("acme", "alice", "c"), ""),
            Instant.parse("9999-01-01T00:00:00Z"),
            1);

    List<String> left = new ArrayList<>();
    if (removed != null) {
      left.addAll(before);
      left.remove(
          texts(
                  List.of(
                      ChatMessageDeserializer.messageFromJson(new String(removed.bytes(), UTF_8))))
              .get(0));
      assertThat(left).hasSize(2);
    }
    assertThat(texts(memory.messages())).containsExactlyElementsOf(left);
    assertThat(texts(otherMemory.messages())).containsExactlyElementsOf(left);
    otherMemory.add(UserMessage.from("after"));
    left.add("after");
    assertThat(texts(memory.messages())).containsExactlyElementsOf(left);
    assertThat(texts(otherMemory.messages())).containsExactlyElementsOf(left);
  }

  @Test
  void tenants_neverSeeEachOthersConversations() {
    HarborChatMemoryStore globex = new HarborChatMemoryStore(store, "globex");
    memoryStore.updateMessages("alice/c", List.of(UserMessage.from("acme's")));
    globex.updateMessages("bob/d", List.of(UserMessage.from("globex's")));

    assertThat(memoryStore.conversationIds()).containsExactly("alice/c");
    assertThat(globex.conversationIds()).containsExactly("bob/d");
    assertThat(globex.getMessages("alice/c")).isEmpty();
    globex.deleteMessages("alice/c");
    assertThat(texts(memoryStore.getMessages("alice/c"))).containsExactly("acme's");
  }

  /**
   * The rule: two store instances (two nodes) on one database, 8 threads each, 500 appends each
   * through LangChain4j's MessageWindowChatMemory to one conversation. Every message is found, or
   * its loss reached its caller as an exception.
   */
  @Test
  void twoNodes_eightThreadsEach_500AppendsEach_loseNothingSilently() throws Exception {
    int threadsPerNode = 8;
    int appends = 500;
    try (ScratchLocation scratch = TestPostgres.scratch("maxPoolSize=8");
        StateStore node1 = StateStores.open(scratch.location());
        StateStore node2 = StateStores.open(scratch.location())) {
      List<HarborChatMemoryStore> nodes =
          List.of(
              new HarborChatMemoryStore(node1, "acme"), new HarborChatMemoryStore(node2, "acme"));
      Set<String> failed = ConcurrentHashMap.newKeySet();
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(2 * threadsPerNode);
      CountDownLatch start = new CountDownLatch(1);
      for (int n = 0; n < 2; n++) {
        for (int t = 0; t < threadsPerNode; t++) {
          ChatMemory memory =
              MessageWindowChatMemory.builder()
                  .id("alice/shared")
                  .maxMessages(1_000_000)
                  .chatMemoryStore(nodes.get(n))
                  .build();
          String writer = n + "." + t;
          pool.execute(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                for (int i = 0; i < appends; i++) {
                  String text = writer + "#" + i;
                  try {
                    memory.add(UserMessage.from(text));
                  } catch (RuntimeException e) {
                    failed.add(text); // reported to its caller: allowed, and counted
                    errors.add(e);
                  }
                }
              });
        }
      }
      start.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(10, TimeUnit.MINUTES)).isTrue();

      List<String> stored = texts(nodes.get(0).getMessages("alice/shared"));
      assertThat(stored).doesNotHaveDuplicates();
      Set<String> found = Set.copyOf(stored);
      List<String> lostSilently = new ArrayList<>();
      for (int n = 0; n < 2; n++) {
        for (int t = 0; t < threadsPerNode; t++) {
          for (int i = 0; i < appends; i++) {
            String text = n + "." + t + "#" + i;
            if (!found.contains(text) && !failed.contains(text)) {
              lostSilently.add(text);
            }
          }
        }
      }
      assertThat(lostSilently).as("messages lost without an exception").isEmpty();
      assertThat(errors).as("appends that failed (reported)").isEmpty();
      assertThat(stored).hasSize(2 * threadsPerNode * appends);
      Map<String, List<Integer>> byWriter = new HashMap<>();
      for (String s : stored) {
        String[] parts = s.split("#", 2);
        byWriter.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
      }
      assertThat(byWriter.values())
          .allSatisfy(
              order ->
                  assertThat(order)
                      .containsExactlyElementsOf(IntStream.range(0, appends).boxed().toList()));
    }
  }
}
