/**
 * LangGraph4j's checkpoints in a Harbor State store: {@link
 * dev.harbor.state.langgraph4j.HarborCheckpointSaver}, a {@code BaseCheckpointSaver} whose threads
 * resume on any node or process and never fork.
 */
@NullMarked
package dev.harbor.state.langgraph4j;

import org.jspecify.annotations.NullMarked;
