package dev.harbor.state.spring.ai;

import dev.harbor.state.chat.ChatModelCheck;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * The repository inside checked histories (see {@link ChatModelCheck}), driven as applications do:
 * appends and clears through Spring AI's {@link MessageWindowChatMemory}, reads and whole-list
 * writes through the repository.
 */
class HarborChatMemoryRepositoryModelTest {

  @ParameterizedTest
  @EnumSource(ChatModelCheck.Backend.class)
  void whatEveryInstanceReads_isTheModel_afterEveryStep(ChatModelCheck.Backend backend) {
    ChatModelCheck.check(
        backend,
        (store, tenant, window) -> {
          HarborChatMemoryRepository repository = new HarborChatMemoryRepository(store, tenant);
          ChatMemory memory =
              MessageWindowChatMemory.builder()
                  .chatMemoryRepository(repository)
                  .maxMessages(window)
                  .build();
          return new ChatModelCheck.Frontend() {
            @Override
            public List<String> read(String conversation) {
              return texts(repository.findByConversationId(conversation));
            }

            @Override
            public void append(String conversation, List<String> texts) {
              memory.add(conversation, messages(texts));
            }

            @Override
            public void write(String conversation, List<String> texts) {
              repository.saveAll(conversation, messages(texts));
            }

            @Override
            public void clear(String conversation) {
              memory.clear(conversation);
            }

            @Override
            public List<String> conversationIds() {
              return repository.findConversationIds();
            }
          };
        });
  }

  private static List<Message> messages(List<String> texts) {
    return texts.stream().<Message>map(UserMessage::new).toList();
  }

  private static List<String> texts(List<Message> messages) {
    return messages.stream().map(Message::getText).toList();
  }
}
