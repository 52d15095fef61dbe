/**
 * A conversation kept as an append-only log in a Harbor State store ({@link
 * dev.harbor.state.chat.ConversationLog}), shared by the Spring AI and LangChain4j chat memories.
 */
@NullMarked
package dev.harbor.state.chat;

import org.jspecify.annotations.NullMarked;
