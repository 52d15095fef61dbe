package dev.harbor.state.chat;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConversationLogTest {

  private final StateStore store = StateStores.open("inmem:");

  /** Strings as UTF-8: the simplest deterministic codec. */
  static final ConversationLog.Codec<String> TEXT =
      new ConversationLog.Codec<>() {
        @Override
        public byte[] encode(String message) {
          return message.getBytes(UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
          return new String(bytes, UTF_8);
        }
      };

  private final ConversationLog<String> log = new ConversationLog<>(store, "acme", TEXT);

  @AfterEach
  void close() {
    store.close();
  }

  private static List<String> text(List<String> messages) {
    return messages;
  }

  @Test
  void conversationIds_mapToTenantUserSession_andBack() {
    assertThat(log.identity("alice/s1")).isEqualTo(new Quadruple("acme", "alice", "s1", ""));
    assertThat(log.identity("s1")).isEqualTo(new Quadruple("acme", "default", "s1", ""));
    assertThat(log.identity("alice/a/b")).isEqualTo(new Quadruple("acme", "alice", "a/b", ""));
    assertThat(log.conversationId(log.identity("s1"))).isEqualTo("s1");
    assertThat(log.conversationId(log.identity("alice/s1"))).isEqualTo("alice/s1");
    assertThat(log.conversationId(log.identity("default/a/b"))).isEqualTo("default/a/b");
    assertThatThrownBy(() -> log.identity("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> log.identity("/s")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> log.identity("u/")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void write_thenRead_keepsOrder_andAWindowsEvictionDeletesOnlyWhatWasDropped() {
    log.write("c", List.of("sys", "a", "b"));
    List<String> read = new ArrayList<>(log.read("c"));
    assertThat(text(read)).containsExactly("sys", "a", "b");
    read.remove(1); // evict "a", keep the system message
    read.add("c");
    log.write("c", read);
    assertThat(text(log.read("c"))).containsExactly("sys", "b", "c");
    assertThat(store.listKindForIdentity(log.identity("c"), ConversationLog.MESSAGE_PREFIX))
        .hasSize(3);
  }

  @Test
  void anAppendByAnotherWriter_survivesAWriteThatNeverSawIt() {
    ConversationLog<String> otherNode = new ConversationLog<>(store, "acme", TEXT);
    log.write("c", List.of("m1"));
    List<String> mine = new ArrayList<>(log.read("c"));
    // Another node appends after this thread read.
    List<String> theirs = new ArrayList<>(otherNode.read("c"));
    theirs.add("theirs");
    otherNode.write("c", theirs);
    mine.add("mine");
    log.write("c", mine);
    assertThat(text(log.read("c"))).containsExactly("m1", "theirs", "mine");
  }

  @Test
  void concurrentAppends_fromManyThreads_areAllKept() throws Exception {
    ConversationLog<String> otherNode = new ConversationLog<>(store, "acme", TEXT);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        ConversationLog<String> node = t % 2 == 0 ? log : otherNode;
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 50; i++) {
                    List<String> messages = new ArrayList<>(node.read("c"));
                    messages.add(thread + "-" + i);
                    node.write("c", messages);
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    List<String> all = text(log.read("c"));
    assertThat(all).hasSize(400).doesNotHaveDuplicates();
    for (int t = 0; t < 8; t++) {
      String prefix = t + "-";
      assertThat(all.stream().filter(m -> m.startsWith(prefix)))
          .as("thread %d's messages, in its order", t)
          .containsExactly(
              java.util.stream.IntStream.range(0, 50)
                  .mapToObj(i -> prefix + i)
                  .toArray(String[]::new));
    }
  }

  @Test
  void aCachedRead_seesAppendsAcrossBlocks_andDeletionsByAnotherInstance() {
    ConversationLog<String> otherNode = new ConversationLog<>(store, "acme", TEXT);
    List<String> first = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      first.add("m" + i);
    }
    log.write("c", first);
    assertThat(otherNode.read("c")).hasSize(150); // cached by the other instance
    List<String> more = new ArrayList<>(log.read("c"));
    for (int i = 150; i < 320; i++) {
      more.add("m" + i);
    }
    log.write("c", more);
    assertThat(otherNode.read("c")).hasSize(320).endsWith("m319").startsWith("m0");
    List<String> evicted = new ArrayList<>(log.read("c"));
    evicted.subList(0, 100).clear();
    log.write("c", evicted);
    assertThat(otherNode.read("c")).hasSize(220).startsWith("m100").endsWith("m319");
    log.delete("c");
    assertThat(otherNode.read("c")).isEmpty();
  }

  @Test
  void delete_removesTheMessagesOnly_andTenantsNeverSeeEachOther() {
    ConversationLog<String> other = new ConversationLog<>(store, "globex", TEXT);
    log.write("alice/c1", List.of("x"));
    log.write("c2", List.of("y"));
    other.write("alice/c1", List.of("theirs"));
    store.save(
        dev.harbor.state.StateRecord.of(
            dev.harbor.state.EventId.of("app"),
            log.identity("c2"),
            "app.state",
            TEXT.encode("keep")));

    assertThat(log.conversationIds()).containsExactly("alice/c1", "c2");
    assertThat(other.conversationIds()).containsExactly("alice/c1");
    assertThat(text(other.read("alice/c1"))).containsExactly("theirs");

    log.delete("c2");
    assertThat(log.conversationIds()).containsExactly("alice/c1");
    assertThat(log.read("c2")).isEmpty();
    assertThat(store.find(log.identity("c2"), "app.state")).isPresent();
    assertThat(text(other.read("alice/c1"))).containsExactly("theirs");
  }

  /** What a framework's window memory does: read, add, keep the newest {@code window}, write. */
  static void windowAdd(ConversationLog<String> log, String id, int window, String... added) {
    List<String> messages = new ArrayList<>(log.read(id));
    messages.addAll(List.of(added));
    log.write(id, messages.subList(Math.max(0, messages.size() - window), messages.size()));
  }

  /**
   * Issue 23, defect 2: a clear kept the tail marker, so new messages went past position 100 while
   * this instance's cache, empty since the clear, looked for them among positions 0-99 only.
   */
  @Test
  void aWindowClearedAfterMoreThanAHundredMessages_showsWhatFollows_toTheSameInstance() {
    for (int turn = 0; turn < 120; turn++) {
      windowAdd(log, "c", 10, "q" + turn, "a" + turn);
    }
    log.delete("c");
    List<String> expected = new ArrayList<>();
    for (int turn = 0; turn < 3; turn++) {
      windowAdd(log, "c", 10, "new-q" + turn, "new-a" + turn);
      expected.addAll(List.of("new-q" + turn, "new-a" + turn));
    }
    assertThat(log.read("c")).containsExactlyElementsOf(expected);
    assertThat(new ConversationLog<>(store, "acme", TEXT).read("c"))
        .containsExactlyElementsOf(expected);
  }

  /**
   * Issue 23, defect 3: an erasure through the store's API wrote no marker, so every instance that
   * had read the conversation kept serving the erased messages, and mixed them with new ones.
   */
  @ParameterizedTest
  @EnumSource(Erasure.class)
  void erasedMessages_neverComeBackFromAnyInstancesCache(Erasure erasure) {
    ConversationLog<String> otherNode = new ConversationLog<>(store, "acme", TEXT);
    windowAdd(log, "alice/c", 10, "secret-1", "secret-2", "secret-3");
    List<String> before = List.of("secret-1", "secret-2", "secret-3");
    assertThat(log.read("alice/c")).containsExactlyElementsOf(before);
    assertThat(otherNode.read("alice/c")).containsExactlyElementsOf(before);

    StateRecord removed =
        erasure.apply(store, log.identity("alice/c"), Instant.parse("9999-01-01T00:00:00Z"), 1);

    List<String> left = new ArrayList<>();
    if (removed != null) {
      left.addAll(before);
      left.remove(TEXT.decode(removed.bytes()));
      assertThat(left).hasSize(2);
    }
    assertThat(log.read("alice/c")).containsExactlyElementsOf(left);
    assertThat(otherNode.read("alice/c")).containsExactlyElementsOf(left);
    windowAdd(otherNode, "alice/c", 10, "after");
    left.add("after");
    assertThat(log.read("alice/c")).containsExactlyElementsOf(left);
    assertThat(otherNode.read("alice/c")).containsExactlyElementsOf(left);
  }
}
