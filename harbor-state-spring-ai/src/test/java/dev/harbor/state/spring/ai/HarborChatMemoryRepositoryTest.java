package dev.harbor.state.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.chat.Erasure;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.time.Instant;
import java.util.ArrayList;
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
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

class HarborChatMemoryRepositoryTest {

  private final StateStore store = StateStores.open("inmem:");
  private final HarborChatMemoryRepository repository =
      new HarborChatMemoryRepository(store, "acme");

  @AfterEach
  void close() {
    store.close();
  }

  private static List<String> texts(List<Message> messages) {
    return messages.stream().map(Message::getText).toList();
  }

  @Test
  void findIds_findById_saveReplaces_delete() {
    assertThat(repository.findConversationIds()).isEmpty();
    assertThat(repository.findByConversationId("c1")).isEmpty();

    repository.saveAll("c1", List.of(new UserMessage("hello"), new AssistantMessage("hi")));
    repository.saveAll("alice/c2", List.of(new UserMessage("x")));
    assertThat(repository.findConversationIds()).containsExactlyInAnyOrder("c1", "alice/c2");
    assertThat(texts(repository.findByConversationId("c1"))).containsExactly("hello", "hi");

    // A save replaces the conversation with exactly the given messages.
    repository.saveAll("c1", List.of(new UserMessage("only")));
    assertThat(texts(repository.findByConversationId("c1"))).containsExactly("only");

    repository.deleteByConversationId("c1");
    assertThat(repository.findByConversationId("c1")).isEmpty();
    assertThat(repository.findConversationIds()).containsExactly("alice/c2");
  }

  @Test
  void everyMessageType_roundTrips() {
    AssistantMessage call =
        AssistantMessage.builder()
            .content("calling")
            .toolCalls(
                List.of(new AssistantMessage.ToolCall("t1", "function", "weather", "{\"c\":1}")))
            .build();
    ToolResponseMessage response =
        ToolResponseMessage.builder()
            .responses(List.of(new ToolResponseMessage.ToolResponse("t1", "weather", "sunny")))
            .build();
    repository.saveAll(
        "c", List.of(new SystemMessage("be brief"), new UserMessage("weather?"), call, response));

    List<Message> read = repository.findByConversationId("c");
    assertThat(read).hasSize(4);
    assertThat(read.get(0)).isInstanceOf(SystemMessage.class);
    assertThat(read.get(0).getText()).isEqualTo("be brief");
    assertThat(read.get(1)).isInstanceOf(UserMessage.class);
    assertThat(((AssistantMessage) read.get(2)).getToolCalls()).isEqualTo(call.getToolCalls());
    assertThat(((ToolResponseMessage) read.get(3)).getResponses())
        .isEqualTo(response.getResponses());
  }

  @Test
  void underMessageWindowChatMemory_theWindowIsWhatIsStored() {
    ChatMemory memory =
        MessageWindowChatMemory.builder().chatMemoryRepository(repository).maxMessages(3).build();
    for (int i = 0; i < 5; i++) {
      memory.add("c", new UserMessage("m" + i));
    }
    assertThat(texts(memory.get("c"))).containsExactly("m2", "m3", "m4");
    assertThat(texts(repository.findByConversationId("c"))).containsExactly("m2", "m3", "m4");
    memory.clear("c");
    assertThat(repository.findConversationIds()).isEmpty();
  }

  /**
   * Issue 23, defect 2: a window memory of 10, 120 turns, a clear, then more turns: the same
   * repository read nothing of what followed, forever.
   */
  @Test
  void underMessageWindowChatMemory_aClearAfterMoreThanAHundredMessages_showsWhatFollows() {
    ChatMemory memory =
        MessageWindowChatMemory.builder().chatMemoryRepository(repository).maxMessages(10).build();
    for (int turn = 0; turn < 120; turn++) {
      memory.add("c", List.of(new UserMessage("q" + turn), new AssistantMessage("a" + turn)));
    }
    memory.clear("c");
    List<String> expected = new ArrayList<>();
    for (int turn = 0; turn < 3; turn++) {
      memory.add(
          "c", List.of(new UserMessage("new-q" + turn), new AssistantMessage("new-a" + turn)));
      expected.addAll(List.of("new-q" + turn, "new-a" + turn));
    }
    assertThat(texts(memory.get("c"))).containsExactlyElementsOf(expected);
    assertThat(texts(new HarborChatMemoryRepository(store, "acme").findByConversationId("c")))
        .containsExactlyElementsOf(expected);
  }

  /**
   * Issue 23, defect 3: after an erasure through the store's API, the window memory kept serving
   * the erased messages, and mixed them with the next ones.
   */
  @ParameterizedTest
  @EnumSource(Erasure.class)
  void underMessageWindowChatMemory_erasedMessagesNeverComeBack(Erasure erasure) {
    HarborChatMemoryRepository otherNode = new HarborChatMemoryRepository(store, "acme");
    ChatMemory memory =
        MessageWindowChatMemory.builder().chatMemoryRepository(repository).maxMessages(10).build();
    ChatMemory otherMemory =
        MessageWindowChatMemory.builder().chatMemoryRepository(otherNode).maxMessages(10).build();
    List<String> before = List.of("secret-1", "secret-2", "secret-3");
    memory.add("alice/c", before.stream().<Message>map(UserMessage::new).toList());
    assertThat(texts(memory.get("alice/c"))).containsExactlyElementsOf(before);
    assertThat(texts(otherMemory.get("alice/c"))).containsExactlyElementsOf(before);

    StateRecord removed =
        erasure.apply(
            store,
            Quadruple.of(new Identity("acme", "alice", "c"), ""),
            Instant.parse("9999-01-01T00:00:00Z"),
            1);

    List<String> left = new ArrayList<>();
    if (removed != null) {
      left.addAll(before);
      left.remove(texts(List.of(new MessageCodec().decode(removed.bytes()))).get(0));
      assertThat(left).hasSize(2);
    }
    assertThat(texts(memory.get("alice/c"))).containsExactlyElementsOf(left);
    assertThat(texts(otherMemory.get("alice/c"))).containsExactlyElementsOf(left);
    otherMemory.add("alice/c", new UserMessage("after"));
    left.add("after");
    assertThat(texts(memory.get("alice/c"))).containsExactlyElementsOf(left);
    assertThat(texts(otherMemory.get("alice/c"))).containsExactlyElementsOf(left);
  }

  @Test
  void tenants_neverSeeEachOthersConversations() {
    HarborChatMemoryRepository globex = new HarborChatMemoryRepository(store, "globex");
    repository.saveAll("alice/c", List.of(new UserMessage("acme's")));
    globex.saveAll("bob/d", List.of(new UserMessage("globex's")));

    assertThat(repository.findConversationIds()).containsExactly("alice/c");
    assertThat(globex.findConversationIds()).containsExactly("bob/d");
    assertThat(globex.findByConversationId("alice/c")).isEmpty();
    globex.deleteByConversationId("alice/c");
    assertThat(texts(repository.findByConversationId("alice/c"))).containsExactly("acme's");
  }

  /**
   * The rule: two store instances (two nodes) on one database, 8 threads each, 500 appends each
   * through Spring AI's MessageWindowChatMemory to one conversation. Every message is found, or its
   * loss reached its caller as an exception.
   */
  @Test
  void twoNodes_eightThreadsEach_500AppendsEach_loseNothingSilently() throws Exception {
    int threadsPerNode = 8;
    int appends = 500;
    try (ScratchLocation scratch = TestPostgres.scratch("maxPoolSize=8");
        StateStore node1 = StateStores.open(scratch.location());
        StateStore node2 = StateStores.open(scratch.location())) {
      List<HarborChatMemoryRepository> nodes =
          List.of(
              new HarborChatMemoryRepository(node1, "acme"),
              new HarborChatMemoryRepository(node2, "acme"));
      Set<String> failed = ConcurrentHashMap.newKeySet();
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(2 * threadsPerNode);
      CountDownLatch start = new CountDownLatch(1);
      for (int n = 0; n < 2; n++) {
        for (int t = 0; t < threadsPerNode; t++) {
          ChatMemory memory =
              MessageWindowChatMemory.builder()
                  .chatMemoryRepository(nodes.get(n))
                  .maxMessages(1_000_000)
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
                    memory.add("alice/shared", new UserMessage(text));
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

      List<String> stored = texts(nodes.get(0).findByConversationId("alice/shared"));
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
      // Each writer's messages are in the order it appended them.
      Map<String, List<Integer>> byWriter = new java.util.HashMap<>();
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
