/**
 * Spring AI's chat memory in a Harbor State store: {@link
 * dev.harbor.state.spring.ai.HarborChatMemoryRepository}.
 */
@NullMarked
package dev.harbor.state.spring.ai;

import org.jspecify.annotations.NullMarked;
