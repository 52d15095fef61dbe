package dev.harbor.state.spring.ai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.harbor.state.chat.ConversationLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * A message as compact JSON: type, text, tool calls, tool responses. Written field by field in a
 * fixed order, so one message always encodes to the same bytes (the conversation log compares bytes
 * to tell kept messages from new ones).
 */
final class MessageCodec implements ConversationLog.Codec<Message> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public byte[] encode(Message message) {
    ObjectNode node = JSON.createObjectNode();
    node.put("type", message.getMessageType().name());
    String text = message.getText();
    node.put("text", text == null ? "" : text);
    if (message instanceof AssistantMessage assistant && assistant.hasToolCalls()) {
      ArrayNode calls = node.putArray("toolCalls");
      for (AssistantMessage.ToolCall call : assistant.getToolCalls()) {
        calls
            .addObject()
            .put("id", call.id())
            .put("type", call.type())
            .put("name", call.name())
            .put("arguments", call.arguments());
      }
    }
    if (message instanceof ToolResponseMessage tool) {
      ArrayNode responses = node.putArray("responses");
      for (ToolResponseMessage.ToolResponse response : tool.getResponses()) {
        responses
            .addObject()
            .put("id", response.id())
            .put("name", response.name())
            .put("responseData", response.responseData());
      }
    }
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Message decode(byte[] bytes) {
    JsonNode node;
    try {
      node = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("a stored chat message is not valid JSON", e);
    }
    String text = node.path("text").asText("");
    return switch (MessageType.valueOf(node.path("type").asText())) {
      case USER -> new UserMessage(text);
      case SYSTEM -> new SystemMessage(text);
      case ASSISTANT -> AssistantMessage.builder().content(text).toolCalls(toolCalls(node)).build();
      case TOOL -> ToolResponseMessage.builder().responses(responses(node)).build();
    };
  }

  private static List<AssistantMessage.ToolCall> toolCalls(JsonNode node) {
    List<AssistantMessage.ToolCall> calls = new ArrayList<>();
    for (JsonNode c : node.path("toolCalls")) {
      calls.add(
          new AssistantMessage.ToolCall(
              c.path("id").asText(),
              c.path("type").asText(),
              c.path("name").asText(),
              c.path("arguments").asText()));
    }
    return calls;
  }

  private static List<ToolResponseMessage.ToolResponse> responses(JsonNode node) {
    List<ToolResponseMessage.ToolResponse> responses = new ArrayList<>();
    for (JsonNode r : node.path("responses")) {
      responses.add(
          new ToolResponseMessage.ToolResponse(
              r.path("id").asText(), r.path("name").asText(), r.path("responseData").asText()));
    }
    return responses;
  }
}
