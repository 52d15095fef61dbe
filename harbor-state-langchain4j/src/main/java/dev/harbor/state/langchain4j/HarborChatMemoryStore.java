package dev.harbor.state.langchain4j;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.harbor.state.StateStore;
import dev.harbor.state.chat.ConversationLog;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ChatMessageDeserializer;
import dev.langchain4j.data.message.ChatMessageSerializer;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link ChatMemoryStore} in a Harbor State store, for one tenant.
 *
 * <p>A memory id's {@code toString()} is the conversation id: {@code "user/session"} is that user's
 * session of this store's tenant, an id without {@code /} a session of the user {@code default}.
 * Each message is its own record (kinds {@code chat.memory.*}), in LangChain4j's own JSON ({@link
 * ChatMessageSerializer}); the tenant is fixed here, so one tenant's memory ids never reach another
 * tenant's conversations.
 *
 * <p>{@link #updateMessages} keeps what the caller read and kept, deletes what it dropped (a
 * window's eviction) and appends what it added, each append claiming its own position: two nodes
 * appending to one conversation at once both keep their messages, and a write that cannot be stored
 * throws (see {@link ConversationLog}).
 *
 * <pre>{@code
 * ChatMemory memory = MessageWindowChatMemory.builder()
 *     .id("alice/support-42")
 *     .maxMessages(50)
 *     .chatMemoryStore(new HarborChatMemoryStore(store, "acme"))
 *     .build();
 * }</pre>
 */
public final class HarborChatMemoryStore implements ChatMemoryStore {

  /** LangChain4j's own JSON for each message. */
  private static final ConversationLog.Codec<ChatMessage> CODEC =
      new ConversationLog.Codec<>() {
        @Override
        public byte[] encode(ChatMessage message) {
          return ChatMessageSerializer.messageToJson(message).getBytes(UTF_8);
        }

        @Override
        public ChatMessage decode(byte[] bytes) {
          return ChatMessageDeserializer.messageFromJson(new String(bytes, UTF_8));
        }
      };

  private final ConversationLog<ChatMessage> log;

  /**
   * A chat memory store of one tenant's conversations.
   *
   * @param store the store; the application closes it
   * @param tenant the tenant every conversation belongs to
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the tenant is empty
   */
  public HarborChatMemoryStore(StateStore store, String tenant) {
    this.log = new ConversationLog<>(Objects.requireNonNull(store, "store"), tenant, CODEC);
  }

  /**
   * The ids of the tenant's conversations that hold messages (not part of {@link ChatMemoryStore}).
   *
   * @return the conversation ids
   */
  public List<String> conversationIds() {
    return log.conversationIds();
  }

  /**
   * The conversation's messages, oldest first.
   *
   * @param memoryId the conversation; its {@code toString()} is the id
   * @return its messages; empty if it has none
   */
  @Override
  public List<ChatMessage> getMessages(Object memoryId) {
    // A copy: the memory adds to and evicts from the list it gets.
    return new ArrayList<>(log.read(id(memoryId)));
  }

  /**
   * Makes the conversation hold these messages, keeping messages other nodes appended since this
   * thread read it.
   *
   * @param memoryId the conversation
   * @param messages the conversation as the memory wants it, oldest first
   */
  @Override
  public void updateMessages(Object memoryId, List<ChatMessage> messages) {
    log.write(id(memoryId), messages);
  }

  /**
   * Deletes the conversation's messages.
   *
   * @param memoryId the conversation
   */
  @Override
  public void deleteMessages(Object memoryId) {
    log.delete(id(memoryId));
  }

  private static String id(Object memoryId) {
    return Objects.requireNonNull(memoryId, "memoryId").toString();
  }
}
