package dev.harbor.state.chat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link ConversationLog} itself inside checked histories (see {@link ChatModelCheck}). */
class ConversationLogModelTest {

  @ParameterizedTest
  @EnumSource(ChatModelCheck.Backend.class)
  void whatEveryInstanceReads_isTheModel_afterEveryStep(ChatModelCheck.Backend backend) {
    ChatModelCheck.check(
        backend,
        (store, tenant, window) -> {
          ConversationLog<String> log =
              new ConversationLog<>(store, tenant, ConversationLogTest.TEXT);
          return new ChatModelCheck.Frontend() {
            @Override
            public List<String> read(String conversation) {
              return new ArrayList<>(log.read(conversation));
            }

            @Override
            public void append(String conversation, List<String> texts) {
              ConversationLogTest.windowAdd(
                  log, conversation, window, texts.toArray(String[]::new));
            }

            @Override
            public void write(String conversation, List<String> texts) {
              log.write(conversation, texts);
            }

            @Override
            public void clear(String conversation) {
              log.delete(conversation);
            }

            @Override
            public List<String> conversationIds() {
              return log.conversationIds();
            }
          };
        });
  }
}
