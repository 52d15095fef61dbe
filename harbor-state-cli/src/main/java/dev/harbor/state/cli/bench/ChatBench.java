package dev.harbor.state.cli.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.harbor.state.InvalidConfigException;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.spring.ai.HarborChatMemoryRepository;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.memory.repository.jdbc.JdbcChatMemoryRepository;
import org.springframework.ai.chat.memory.repository.jdbc.PostgresChatMemoryRepositoryDialect;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * The chat peer benchmark ({@code harbor-state bench --workloads chat}): Spring AI's {@link
 * MessageWindowChatMemory} (window {@value #WINDOW}) over {@link HarborChatMemoryRepository} and
 * over Spring AI's {@link JdbcChatMemoryRepository} (the peer a Spring AI user gets by default), on
 * the same PostgreSQL, each side as two nodes: two store instances, or two repositories on two
 * connection pools, with the threads split between them.
 *
 * <p>Each call is one {@code ChatMemory.add} of a user message to a random conversation of the run
 * (closed loop). Measured: acknowledged appends per second, their latency, and <b>lost</b>
 * messages. Every read the memory makes of a conversation (the one inside each {@code add}, and a
 * final read of every conversation after the run) is recorded with its time interval and checked
 * against every add acknowledged before the read began: an acknowledged message is <i>due</i> in a
 * read when fewer than {@value #WINDOW} other adds to that conversation could have taken effect
 * between it and the read (their call ended after the message's call began, and began before the
 * read ended), so under any order consistent with the calls' times it is among the last {@value
 * #WINDOW}, which the window keeps. A message missing from a read in which it was due is lost: the
 * framework showed the model a history without it, and the write that follows that read stores the
 * history without it. Counting only the final list would see only the last {@value #WINDOW}
 * messages of each conversation; counting against a window larger than the run would change the
 * peer's cost (it rewrites the whole conversation on each add). Messages the window evicts by
 * design are never counted; extra or duplicated messages are not losses.
 *
 * <p>The only class of the command line naming Spring types: other workloads never load them. Its
 * scratch schemas (one per side, the peer's table made from Spring AI's own {@code
 * schema-postgresql.sql}) are dropped at the end.
 */
public final class ChatBench {

  /** The workload's name in {@code --workloads}. */
  public static final String WORKLOAD = "chat";

  /** The memory's window, in messages. */
  public static final int WINDOW = 20;

  /** The target name of our repository. */
  public static final String HARBOR = "harbor";

  /** The target name of Spring AI's JDBC repository. */
  public static final String PEER = "spring-ai-jdbc";

  /** The tenant of our repository's conversations. */
  private static final String TENANT = "t1";

  /** Where Spring AI keeps its PostgreSQL schema script, in its JDBC repository's jar. */
  private static final String PEER_SCHEMA =
      "/org/springframework/ai/chat/memory/repository/jdbc/schema-postgresql.sql";

  private ChatBench() {}

  /**
   * One measured run.
   *
   * @param target {@link #HARBOR} or {@link #PEER}
   * @param payload bytes of each message's text
   * @param threads worker threads, split between the two nodes
   * @param conversations conversations the adds spread over
   * @param appendsPerSecond acknowledged adds per second in the measured interval
   * @param p50 median latency of one add, nanoseconds
   * @param p99 99th percentile, nanoseconds
   * @param p999 99.9th percentile, nanoseconds
   * @param acked adds acknowledged during the whole run (warmup included), each checked for loss
   * @param errors adds that threw (not acknowledged, so never counted as lost)
   * @param due (read, message) pairs in which an acknowledged message was due
   * @param lost acknowledged messages missing from at least one read in which they were due
   * @param duplicates extra copies of messages in the conversations' final lists (a message stored
   *     twice takes two places of the window)
   * @param firstError the first failure's message, or empty
   */
  public record Result(
      String target,
      int payload,
      int threads,
      int conversations,
      double appendsPerSecond,
      long p50,
      long p99,
      long p999,
      long acked,
      long errors,
      long due,
      long lost,
      long duplicates,
      String firstError) {}

  /**
   * Runs the chat workload for every payload, thread count and conversation count of the plan, our
   * repository first, then the peer, side by side in this JVM.
   *
   * @param backend the bench's backend; must be PostgreSQL
   * @param plan thread counts, payload sizes, warmup and measured time
   * @param conversations conversation counts
   * @param progress told {@code [run/total] what} before each run
   * @return one result per run
   * @throws InvalidConfigException if the backend is not PostgreSQL
   * @throws InterruptedException if interrupted while measuring
   */
  public static List<Result> run(
      BenchBackend backend, BenchPlan plan, List<Integer> conversations, Consumer<String> progress)
      throws InterruptedException {
    check(backend);
    int poolSize =
        Integer.parseInt(backend.config.options().getOrDefault("maxPoolSize", "10").strip());
    List<Result> results = new ArrayList<>();
    int total = 2 * plan.payloads().size() * plan.threads().size() * conversations.size();
    try (Side harbor = Side.harbor(backend.location);
        Side peer = Side.peer(backend.location, poolSize)) {
      int run = 0;
      for (int payload : plan.payloads()) {
        for (Side side : List.of(harbor, peer)) {
          for (int threads : plan.threads()) {
            for (int convs : conversations) {
              run++;
              progress.accept(
                  "["
                      + run
                      + "/"
                      + total
                      + "] chat "
                      + payload
                      + " B, "
                      + threads
                      + " threads, "
                      + convs
                      + " conversations, "
                      + side.name);
              results.add(measure(side, plan, payload, threads, convs, "r" + run));
            }
          }
        }
      }
    }
    return results;
  }

  /**
   * Checks that the chat workload can run on a backend.
   *
   * @param backend the bench's backend
   * @throws InvalidConfigException if it is not PostgreSQL
   */
  public static void check(BenchBackend backend) {
    if (!"postgres".equals(backend.driver())) {
      throw new InvalidConfigException(
          "the chat workload runs on PostgreSQL, where Spring AI's JDBC repository is compared;"
              + " not on driver '"
              + backend.driver()
              + "'");
    }
  }

  /** One side of the comparison: two nodes' memories over two repositories, and what to close. */
  private static final class Side implements AutoCloseable {
    final String name;
    final ChatMemoryRepository[] repositories;
    private final List<AutoCloseable> closers;

    private Side(String name, ChatMemoryRepository[] repositories, List<AutoCloseable> closers) {
      this.name = name;
      this.repositories = repositories;
      this.closers = closers;
    }

    /** Two store instances (two pools) in one scratch schema, a repository on each. */
    static Side harbor(String location) {
      ScratchLocation scratch = StateStores.scratch(location, BenchBackend.LABEL);
      List<AutoCloseable> closers = new ArrayList<>(List.of(scratch));
      try {
        ChatMemoryRepository[] repos = new ChatMemoryRepository[2];
        for (int i = 0; i < 2; i++) {
          StateStore store = StateStores.open(scratch.location());
          closers.add(0, store); // stores close before their schema is dropped
          repos[i] = new HarborChatMemoryRepository(store, TENANT);
        }
        return new Side(HARBOR, repos, closers).primed();
      } catch (RuntimeException e) {
        closeAll(closers, e);
        throw e;
      }
    }

    /** Spring AI's table in a scratch schema, two pools of the store's size, a repository each. */
    static Side peer(String location, int poolSize) {
      ScratchLocation scratch = StateStores.scratch(location, BenchBackend.LABEL);
      List<AutoCloseable> closers = new ArrayList<>(List.of(scratch));
      try {
        ChatMemoryRepository[] repos = new ChatMemoryRepository[2];
        for (int i = 0; i < 2; i++) {
          HikariConfig config = new HikariConfig();
          config.setJdbcUrl(scratch.jdbcUrl().orElseThrow());
          config.setDataSourceProperties(scratch.jdbcProperties());
          config.setMaximumPoolSize(poolSize);
          config.setPoolName("harbor-bench-peer-" + i);
          HikariDataSource pool = new HikariDataSource(config);
          closers.add(0, pool);
          if (i == 0) {
            createPeerSchema(pool);
          }
          repos[i] =
              JdbcChatMemoryRepository.builder()
                  .jdbcTemplate(new JdbcTemplate(pool))
                  .dialect(new PostgresChatMemoryRepositoryDialect())
                  .transactionManager(new DataSourceTransactionManager(pool))
                  .build();
        }
        return new Side(PEER, repos, closers).primed();
      } catch (RuntimeException e) {
        closeAll(closers, e);
        throw e;
      }
    }

    /**
     * One add, read and delete per node on a throwaway conversation, so neither side's first run
     * pays for opening pools, preparing statements or loading classes.
     */
    Side primed() {
      for (int i = 0; i < repositories.length; i++) {
        String id = "u0/prime-" + i;
        repositories[i].saveAll(id, List.of(new UserMessage("prime")));
        repositories[i].findByConversationId(id);
        repositories[i].deleteByConversationId(id);
      }
      return this;
    }

    @Override
    public void close() {
      closeAll(closers, null);
    }
  }

  /** Closes in order; the first failure is thrown (or added to {@code failing}) after all ran. */
  private static void closeAll(List<AutoCloseable> closers, @Nullable RuntimeException failing) {
    RuntimeException first = failing;
    for (AutoCloseable c : closers) {
      try {
        c.close();
      } catch (Exception e) {
        if (first == null) {
          first = e instanceof RuntimeException r ? r : new IllegalStateException(e);
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null && first != failing) {
      throw first;
    }
  }

  /** Runs Spring AI's own PostgreSQL script in the peer's scratch schema (its currentSchema). */
  private static void createPeerSchema(HikariDataSource pool) {
    String script;
    try (InputStream in = JdbcChatMemoryRepository.class.getResourceAsStream(PEER_SCHEMA)) {
      if (in == null) {
        throw new IllegalStateException("Spring AI's " + PEER_SCHEMA + " is not on the class path");
      }
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read Spring AI's " + PEER_SCHEMA, e);
    }
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      for (String sql : script.split(";", -1)) {
        if (!sql.isBlank()) {
          s.execute(sql);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create Spring AI's chat memory table", e);
    }
  }

  /** Warmup, measure, stop: written by the runner, read by the workers. */
  private static final class Phase {
    volatile int value = Runner.Phase.WARMUP;
  }

  /** One closed-loop caller of one node's memory, recording its acks and its memory's reads. */
  private static final class Worker extends Thread {
    private final int index;
    private final ChatMemory memory;
    private final Phase phase;
    private final int conversations;
    private final String runId;
    private final int payload;
    private final SplittableRandom random =
        new SplittableRandom(ThreadLocalRandom.current().nextLong());
    final Histogram latency = new Histogram(Runner.DIGITS);
    final List<ChatLoss.Ack> acks = new ArrayList<>();
    final List<ChatLoss.Read> reads = new ArrayList<>();
    long units;
    long errors;
    @Nullable String firstError;
    String current = "";
    int currentConversation;

    Worker(
        int index, ChatMemory memory, Phase phase, int conversations, String runId, int payload) {
      this.index = index;
      this.memory = memory;
      this.phase = phase;
      this.conversations = conversations;
      this.runId = runId;
      this.payload = payload;
      setDaemon(true);
      setName("harbor-bench-chat-" + index);
    }

    @Override
    public void run() {
      long seq = 0;
      int at;
      while ((at = phase.value) != Runner.Phase.STOP) {
        int conversation = random.nextInt(conversations);
        String key = "w" + index + "-" + seq++;
        current = key;
        currentConversation = conversation;
        UserMessage message = new UserMessage(text(key, payload));
        long start = System.nanoTime();
        try {
          memory.add(conversationId(runId, conversation), message);
        } catch (RuntimeException e) {
          errors++;
          if (firstError == null) {
            firstError = e.getClass().getSimpleName() + ": " + e.getMessage();
          }
          continue;
        }
        long end = System.nanoTime();
        acks.add(new ChatLoss.Ack(conversation, key, start, end));
        if (at == Runner.Phase.MEASURE && phase.value == Runner.Phase.MEASURE) {
          latency.recordValue(end - start);
          units++;
        }
      }
    }
  }

  /**
   * A repository that records each read a worker's memory makes (the rest passes through): the same
   * small cost on both sides.
   */
  private static final class Recording implements ChatMemoryRepository {
    private final ChatMemoryRepository delegate;

    Recording(ChatMemoryRepository delegate) {
      this.delegate = delegate;
    }

    @Override
    public List<String> findConversationIds() {
      return delegate.findConversationIds();
    }

    @Override
    public List<Message> findByConversationId(String conversationId) {
      long start = System.nanoTime();
      List<Message> messages = delegate.findByConversationId(conversationId);
      long end = System.nanoTime();
      if (Thread.currentThread() instanceof Worker w) {
        w.reads.add(
            new ChatLoss.Read(w.currentConversation, start, end, keys(messages), w.current));
      }
      return messages;
    }

    @Override
    public void saveAll(String conversationId, List<Message> messages) {
      delegate.saveAll(conversationId, messages);
    }

    @Override
    public void deleteByConversationId(String conversationId) {
      delegate.deleteByConversationId(conversationId);
    }
  }

  /** The conversation id: a user's session for our repository; short enough for the peer's 36. */
  static String conversationId(String runId, int conversation) {
    return "u" + (conversation % 10) + "/" + runId + "-c" + conversation;
  }

  /** A message's text: its key, then padding up to the payload size. */
  static String text(String key, int payload) {
    return payload <= key.length() ? key : key + " " + "x".repeat(payload - key.length() - 1);
  }

  private static Set<String> keys(List<Message> messages) {
    Set<String> keys = new HashSet<>();
    for (Message m : messages) {
      String text = String.valueOf(m.getText());
      int space = text.indexOf(' ');
      keys.add(space < 0 ? text : text.substring(0, space));
    }
    return keys;
  }

  private static Result measure(
      Side side, BenchPlan plan, int payload, int threads, int conversations, String runId)
      throws InterruptedException {
    ChatMemory[] memories = new ChatMemory[2];
    for (int i = 0; i < 2; i++) {
      memories[i] =
          MessageWindowChatMemory.builder()
              .chatMemoryRepository(new Recording(side.repositories[i]))
              .maxMessages(WINDOW)
              .build();
    }
    Phase phase = new Phase();
    Worker[] workers = new Worker[threads];
    for (int i = 0; i < threads; i++) {
      // Threads alternate between the two nodes, as a load balancer would spread them.
      workers[i] = new Worker(i, memories[i % 2], phase, conversations, runId, payload);
    }
    for (Worker w : workers) {
      w.start();
    }
    sleepNanos(plan.warmupNanos());
    phase.value = Runner.Phase.MEASURE;
    long start = System.nanoTime();
    sleepNanos(plan.measureNanos());
    phase.value = Runner.Phase.STOP;
    long elapsed = System.nanoTime() - start;
    for (Worker w : workers) {
      w.join();
    }
    Histogram h = new Histogram(Runner.DIGITS);
    long units = 0;
    long errors = 0;
    String firstError = "";
    List<ChatLoss.Ack> acks = new ArrayList<>();
    List<ChatLoss.Read> reads = new ArrayList<>();
    for (Worker w : workers) {
      h.add(w.latency);
      units += w.units;
      errors += w.errors;
      acks.addAll(w.acks);
      reads.addAll(w.reads);
      if (firstError.isEmpty() && w.firstError != null) {
        firstError = w.firstError;
      }
    }
    // After every add returned: each conversation as the framework would read it next.
    long duplicates = 0;
    for (int c = 0; c < conversations; c++) {
      long at = System.nanoTime();
      List<Message> last = side.repositories[0].findByConversationId(conversationId(runId, c));
      Set<String> keys = keys(last);
      duplicates += last.size() - keys.size();
      reads.add(new ChatLoss.Read(c, at, at, keys, ""));
    }
    long[] lost = ChatLoss.lost(acks, reads, conversations);
    return new Result(
        side.name,
        payload,
        threads,
        conversations,
        units / (elapsed / 1e9),
        h.getValueAtPercentile(50),
        h.getValueAtPercentile(99),
        h.getValueAtPercentile(99.9),
        acks.size(),
        errors,
        lost[0],
        lost[1],
        duplicates,
        firstError);
  }

  private static void sleepNanos(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, left / 1_000_000));
    }
  }

  /**
   * Prints the chat table: per payload, threads and conversations, each side's appends/s, latency,
   * acknowledged and lost messages, and our appends/s over the peer's.
   *
   * @param out where to print
   * @param results the results of {@link #run}
   */
  public static void table(PrintStream out, List<Result> results) {
    out.println(
        "chat: Spring AI MessageWindowChatMemory (window "
            + WINDOW
            + ") over each repository, threads split between two nodes");
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "target",
          "payload",
          "threads",
          "convs",
          "appends/s",
          "p50",
          "p99",
          "p99.9",
          "errors",
          "acked",
          "due",
          "lost",
          "dup",
          "ratio"
        });
    for (Result r : results) {
      String ratio = "";
      if (HARBOR.equals(r.target())) {
        for (Result p : results) {
          if (PEER.equals(p.target())
              && p.payload() == r.payload()
              && p.threads() == r.threads()
              && p.conversations() == r.conversations()
              && p.appendsPerSecond() > 0) {
            ratio = BenchReport.ratio(r.appendsPerSecond() / p.appendsPerSecond());
          }
        }
      }
      rows.add(
          new String[] {
            r.target(),
            BenchReport.size(r.payload()),
            Integer.toString(r.threads()),
            Integer.toString(r.conversations()),
            BenchReport.rate(r.appendsPerSecond()),
            BenchReport.latency(r.p50(), "-"),
            BenchReport.latency(r.p99(), "-"),
            BenchReport.latency(r.p999(), "-"),
            Long.toString(r.errors()),
            Long.toString(r.acked()),
            Long.toString(r.due()),
            Long.toString(r.lost()),
            Long.toString(r.duplicates()),
            ratio
          });
    }
    int[] width = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < width.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < width.length; i++) {
        String pad = " ".repeat(width[i] - row[i].length());
        sb.append(i == 0 ? row[i] + pad : "  " + pad + row[i]);
      }
      out.println(sb.toString().stripTrailing());
    }
    out.println();
    out.println(
        "appends/s: acknowledged ChatMemory.add calls; ratio: harbor over "
            + PEER
            + ". lost: acknowledged messages missing from a read of the conversation in which"
            + " fewer than "
            + WINDOW
            + " other adds could have followed them (the window must still hold them); due: such"
            + " (read, message) checks made; dup: extra copies of messages in the final lists.");
    for (Result r : results) {
      if (r.errors() > 0) {
        out.printf(
            Locale.ROOT,
            "errors: chat %s %s, %d threads, %d conversations: %d, first: %s%n",
            r.target(),
            BenchReport.size(r.payload()),
            r.threads(),
            r.conversations(),
            r.errors(),
            r.firstError());
      }
    }
  }
}
