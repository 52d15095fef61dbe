package dev.harbor.state.spring.ai;

import dev.harbor.state.StateStore;
import dev.harbor.state.chat.ConversationLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.messages.Message;

/**
 * A Spring AI {@link ChatMemoryRepository} in a Harbor State store, for one tenant.
 *
 * <p>A conversation id {@code "user/session"} is that user's session of this repository's tenant;
 * an id without {@code /} is a session of the user {@code default}. Each message is its own record
 * (kinds {@code chat.memory.*}); the tenant is fixed here, so one tenant's ids never reach another
 * tenant's conversations.
 *
 * <p>{@link #saveAll} keeps what the caller read and kept, deletes what it dropped and appends what
 * it added, each append claiming its own position: two nodes appending to one conversation at once
 * both keep their messages, and a write that cannot be stored throws (see {@link ConversationLog}).
 * Messages keep their type, text, an assistant's tool calls and a tool's responses; metadata and
 * media are not stored.
 *
 * <pre>{@code
 * ChatMemory memory = MessageWindowChatMemory.builder()
 *     .chatMemoryRepository(new HarborChatMemoryRepository(store, "acme"))
 *     .maxMessages(50)
 *     .build();
 * }</pre>
 */
public final class HarborChatMemoryRepository implements ChatMemoryRepository {

  private final ConversationLog<Message> log;

  /**
   * A repository of one tenant's conversations.
   *
   * @param store the store; the application closes it
   * @param tenant the tenant every conversation belongs to
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the tenant is empty
   */
  public HarborChatMemoryRepository(StateStore store, String tenant) {
    this.log =
        new ConversationLog<>(Objects.requireNonNull(store, "store"), tenant, new MessageCodec());
  }

  /**
   * The ids of the tenant's conversations that hold messages.
   *
   * @return the ids
   */
  @Override
  public List<String> findConversationIds() {
    return log.conversationIds();
  }

  /**
   * The conversation's messages, oldest first.
   *
   * @param conversationId the conversation
   * @return its messages; empty if it has none
   */
  @Override
  public List<Message> findByConversationId(String conversationId) {
    // A copy: MessageWindowChatMemory adds to the list it gets.
    return new ArrayList<>(log.read(conversationId));
  }

  /**
   * Makes the conversation hold these messages, keeping messages other nodes appended since this
   * thread read it.
   *
   * @param conversationId the conversation
   * @param messages the conversation as the caller wants it, oldest first
   */
  @Override
  public void saveAll(String conversationId, List<Message> messages) {
    log.write(conversationId, messages);
  }

  /**
   * Deletes the conversation's messages.
   *
   * @param conversationId the conversation
   */
  @Override
  public void deleteByConversationId(String conversationId) {
    log.delete(conversationId);
  }
}
