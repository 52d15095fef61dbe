package dev.harbor.state.chat;

import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Every way an application removes chat records behind the log's back, through the store's own API.
 * None of them writes the log's markers, so a cache that trusts the markers alone would miss them.
 * Shared with the framework modules' tests (this module's test jar).
 */
public enum Erasure {
  /** {@code eraseUser} of the conversation's user, repeated until it returns 0. */
  ERASE_USER,
  /** {@code eraseTenant} of the conversation's tenant, repeated until it returns 0. */
  ERASE_TENANT,
  /** {@code deleteScope} of the conversation's session. */
  DELETE_SCOPE,
  /** {@code purge} of every chat kind ({@code chat.memory.}: messages and markers). */
  PURGE_CHAT_KINDS,
  /** {@code purge} of the messages only ({@code chat.memory.m.}): the markers stay. */
  PURGE_MESSAGES,
  /** {@code delete} of one message's slot. */
  DELETE_MESSAGE,
  /** {@code deleteIf} of one message's exact generation. */
  DELETE_IF_MESSAGE;

  private static final int LIMIT = 10_000;

  /** Whether this erasure removes one message (see {@link #apply}) rather than a range. */
  public boolean removesOneMessage() {
    return this == DELETE_MESSAGE || this == DELETE_IF_MESSAGE;
  }

  /**
   * Applies this erasure.
   *
   * @param store the store
   * @param conversation where the conversation lives
   * @param olderThan the purges' cutoff (the others ignore it)
   * @param pick which message a one-message erasure removes, modulo the message count
   * @return the message record removed by a one-message erasure; null for the others, or if the
   *     conversation had no message
   */
  public @Nullable StateRecord apply(
      StateStore store, Quadruple conversation, Instant olderThan, int pick) {
    String tenant = conversation.tenantId();
    switch (this) {
      case ERASE_USER -> {
        while (store.eraseUser(ListScope.MAINTENANCE, tenant, conversation.userId(), LIMIT) > 0) {
          // again until nothing is left
        }
      }
      case ERASE_TENANT -> {
        while (store.eraseTenant(ListScope.MAINTENANCE, tenant, LIMIT) > 0) {
          // again until nothing is left
        }
      }
      case DELETE_SCOPE -> store.deleteScope(conversation.identity());
      case PURGE_CHAT_KINDS -> purge(store, tenant, ConversationLog.KIND_PREFIX, olderThan);
      case PURGE_MESSAGES -> purge(store, tenant, ConversationLog.MESSAGE_PREFIX, olderThan);
      case DELETE_MESSAGE, DELETE_IF_MESSAGE -> {
        List<StateRecord> messages =
            store.listKindForIdentity(conversation, ConversationLog.MESSAGE_PREFIX);
        if (messages.isEmpty()) {
          return null;
        }
        StateRecord victim = messages.get(Math.floorMod(pick, messages.size()));
        if (this == DELETE_MESSAGE) {
          store.delete(conversation, victim.kind());
        } else if (!store.deleteIf(
            SlotExpectation.exact(conversation, victim.kind(), victim.id()))) {
          throw new AssertionError("deleteIf of a message just listed removed nothing: " + victim);
        }
        return victim;
      }
    }
    return null;
  }

  private static void purge(StateStore store, String tenant, String prefix, Instant olderThan) {
    while (store.purge(ListScope.MAINTENANCE, tenant, prefix, olderThan, LIMIT) > 0) {
      // again until nothing is left
    }
  }
}
