/**
 * LangChain4j's chat memory in a Harbor State store: {@link
 * dev.harbor.state.langchain4j.HarborChatMemoryStore}.
 */
@NullMarked
package dev.harbor.state.langchain4j;

import org.jspecify.annotations.NullMarked;
