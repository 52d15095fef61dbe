package dev.harbor.state.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateStore;
import dev.harbor.state.langchain4j.HarborChatMemoryStore;
import dev.harbor.state.spring.ai.HarborChatMemoryRepository;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import dev.langchain4j.store.memory.chat.InMemoryChatMemoryStore;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.InMemoryChatMemoryRepository;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.model.chat.memory.autoconfigure.ChatMemoryAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Chat memory beans over the store: Spring AI's ChatMemoryRepository and LangChain4j's
 * ChatMemoryStore, when the framework and our adapter for it are on the class path; the
 * application's own bean, or {@code harbor.state.chat.enabled=false}, wins.
 */
class HarborStateChatMemoryBeansTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  HarborStateAutoConfiguration.class, ChatMemoryAutoConfiguration.class))
          .withPropertyValues("harbor.state.location=inmem:", "harbor.state.chat.tenant=acme");

  @Test
  void springAi_getsARepositoryOverTheStore_inTheConfiguredTenant_beforeItsInMemoryDefault() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(ChatMemoryRepository.class);
          ChatMemoryRepository repository = context.getBean(ChatMemoryRepository.class);
          assertThat(repository).isInstanceOf(HarborChatMemoryRepository.class);
          // Spring AI's ChatMemory is built on it.
          ChatMemory memory = context.getBean(ChatMemory.class);
          memory.add("alice/c1", new UserMessage("hello"));
          StateStore store = context.getBean(StateStore.class);
          List<Message> read =
              new HarborChatMemoryRepository(store, "acme").findByConversationId("alice/c1");
          assertThat(read).extracting(Message::getText).containsExactly("hello");
          assertThat(new HarborChatMemoryRepository(store, "other").findConversationIds())
              .isEmpty();
        });
  }

  @Test
  void langChain4j_getsAStoreOverTheStore_inTheConfiguredTenant() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(ChatMemoryStore.class);
          ChatMemoryStore memories = context.getBean(ChatMemoryStore.class);
          assertThat(memories).isInstanceOf(HarborChatMemoryStore.class);
          memories.updateMessages(
              "alice/c1", List.of(dev.langchain4j.data.message.UserMessage.from("hi")));
          StateStore store = context.getBean(StateStore.class);
          List<ChatMessage> read = new HarborChatMemoryStore(store, "acme").getMessages("alice/c1");
          assertThat(read).hasSize(1);
          assertThat(((dev.langchain4j.data.message.UserMessage) read.get(0)).singleText())
              .isEqualTo("hi");
          assertThat(new HarborChatMemoryStore(store, "other").getMessages("alice/c1")).isEmpty();
        });
  }

  @Test
  void theApplicationsOwnBeans_win() {
    InMemoryChatMemoryRepository ownRepository = new InMemoryChatMemoryRepository();
    InMemoryChatMemoryStore ownStore = new InMemoryChatMemoryStore();
    runner
        .withBean(ChatMemoryRepository.class, () -> ownRepository)
        .withBean(ChatMemoryStore.class, () -> ownStore)
        .run(
            context -> {
              assertThat(context.getBean(ChatMemoryRepository.class)).isSameAs(ownRepository);
              assertThat(context.getBean(ChatMemoryStore.class)).isSameAs(ownStore);
            });
  }

  @Test
  void withoutOurAdapters_thereAreNoChatBeansOfOurs() {
    runner
        .withClassLoader(
            new FilteredClassLoader(HarborChatMemoryRepository.class, HarborChatMemoryStore.class))
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(ChatMemoryStore.class);
              // Spring AI's own default then, as without the starter.
              assertThat(context.getBean(ChatMemoryRepository.class))
                  .isInstanceOf(InMemoryChatMemoryRepository.class);
            });
  }

  @Test
  void chatEnabledFalse_definesNone() {
    runner
        .withPropertyValues("harbor.state.chat.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(ChatMemoryStore.class);
              assertThat(context.getBean(ChatMemoryRepository.class))
                  .isInstanceOf(InMemoryChatMemoryRepository.class);
            });
  }
}
