package dev.harbor.state.langchain4j;

import dev.harbor.state.chat.ChatModelCheck;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The store inside checked histories (see {@link ChatModelCheck}), driven as applications do:
 * appends and clears through LangChain4j's {@link MessageWindowChatMemory}, reads and whole-list
 * writes through the store.
 */
class HarborChatMemoryStoreModelTest {

  @ParameterizedTest
  @EnumSource(ChatModelCheck.Backend.class)
  void whatEveryInstanceReads_isTheModel_afterEveryStep(ChatModelCheck.Backend backend) {
    ChatModelCheck.check(
        backend,
        (store, tenant, window) -> {
          HarborChatMemoryStore memoryStore = new HarborChatMemoryStore(store, tenant);
          return new ChatModelCheck.Frontend() {
            private ChatMemory memory(String conversation) {
              return MessageWindowChatMemory.builder()
                  .id(conversation)
                  .maxMessages(window)
                  .chatMemoryStore(memoryStore)
                  .build();
            }

            @Override
            public List<String> read(String conversation) {
              return texts(memoryStore.getMessages(conversation));
            }

            @Override
            public void append(String conversation, List<String> texts) {
              ChatMemory memory = memory(conversation);
              texts.forEach(t -> memory.add(UserMessage.from(t)));
            }

            @Override
            public void write(String conversation, List<String> texts) {
              memoryStore.updateMessages(conversation, messages(texts));
            }

            @Override
            public void clear(String conversation) {
              memory(conversation).clear();
            }

            @Override
            public List<String> conversationIds() {
              return memoryStore.conversationIds();
            }
          };
        });
  }

  private static List<ChatMessage> messages(List<String> texts) {
    return texts.stream().<ChatMessage>map(UserMessage::from).toList();
  }

  private static List<String> texts(List<ChatMessage> messages) {
    return messages.stream().map(m -> ((UserMessage) m).singleText()).toList();
  }
}
