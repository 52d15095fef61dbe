package dev.harbor.state.chat;

import static org.assertj.core.api.Assertions.fail;

import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The chat memory inside a checked history: random sequences of appends through a window memory,
 * whole-list rewrites (fresh and from a stale read), clears and every {@link Erasure}, made through
 * three chat memory instances (two over one store instance, one over a second store instance on the
 * same database; over one store on {@code inmem}), checked after every step against a simple model:
 * each conversation a list of texts. After every step every instance reads every conversation (on
 * another thread, so the steps' own bases stay as stale as the history made them) and must see
 * exactly the model's list: an erased message never comes back from any cache.
 *
 * <p>Seeded: a failure names the seed and the history, shrunk (chunks of steps removed while it
 * still fails) to a minimal reproduction. {@code -Dharbor.chat.histories} (default 3, the CI run)
 * and {@code -Dharbor.chat.steps} (default 40) size the run; {@code -Dharbor.chat.seed} replays
 * one. Shared with the framework modules' tests (this module's test jar), which drive their own
 * memories.
 */
public final class ChatModelCheck {

  /** Histories per run: small in CI, {@code -Dharbor.chat.histories=500} for a full run. */
  public static final int HISTORIES = Integer.getInteger("harbor.chat.histories", 3);

  /** Steps per history. */
  public static final int STEPS = Integer.getInteger("harbor.chat.steps", 40);

  private static final List<String> CONVERSATIONS =
      List.of("alice/one", "alice/two", "bob/one", "three");
  private static final int INSTANCES = 3;

  /** One chat memory instance as a history drives it; each op runs on the calling thread. */
  public interface Frontend {
    /**
     * What a reader sees.
     *
     * @param conversation the conversation id
     * @return its messages' texts, oldest first
     */
    List<String> read(String conversation);

    /**
     * Appends through the framework's window memory (read, add, evict the oldest, write).
     *
     * @param conversation the conversation id
     * @param texts the new messages' texts
     */
    void append(String conversation, List<String> texts);

    /**
     * Writes the whole conversation as the caller wants it (relative to this thread's last read).
     *
     * @param conversation the conversation id
     * @param texts the messages' texts, oldest first
     */
    void write(String conversation, List<String> texts);

    /**
     * Clears the conversation through the framework's memory.
     *
     * @param conversation the conversation id
     */
    void clear(String conversation);

    /**
     * The ids of the conversations that hold messages.
     *
     * @return the ids, in any order
     */
    List<String> conversationIds();
  }

  /** Opens a {@link Frontend}: one framework memory instance over a store. */
  @FunctionalInterface
  public interface Frontends {
    /**
     * A new instance.
     *
     * @param store the store
     * @param tenant the tenant
     * @param window the window memory's size
     * @return the instance
     */
    Frontend open(StateStore store, String tenant, int window);
  }

  /** Where the stores live: two store instances on one database (one store on inmem). */
  public enum Backend {
    /** One in-memory store. */
    INMEM,
    /** Two store instances on one SQLite file. */
    SQLITE,
    /** Two store instances on one PostgreSQL schema. */
    POSTGRES;

    Stores open(Clock clock) {
      return switch (this) {
        case INMEM -> {
          StateStore store = StateStores.open(StateConfig.parse("inmem:").withClock(clock));
          yield new Stores(List.of(store, store), () -> {});
        }
        case SQLITE -> {
          Path dir;
          try {
            dir = Files.createTempDirectory("chat-model");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          String location = "sqlite:" + dir.resolve("chat.db");
          yield new Stores(
              List.of(open(location, clock), open(location, clock)), () -> deleteTree(dir));
        }
        case POSTGRES -> {
          ScratchLocation scratch = TestPostgres.scratch();
          yield new Stores(
              List.of(open(scratch.location(), clock), open(scratch.location(), clock)),
              scratch::close);
        }
      };
    }

    private static StateStore open(String location, Clock clock) {
      return StateStores.open(StateConfig.parse(location).withClock(clock));
    }
  }

  /** The stores of a run and what removes their database. */
  record Stores(List<StateStore> stores, Runnable drop) implements AutoCloseable {
    @Override
    public void close() {
      stores.stream().distinct().forEach(StateStore::close);
      drop.run();
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A clock the history moves a second per step, so purges can cut between steps. */
  static final class SteppingClock extends Clock {
    private final AtomicReference<Instant> now =
        new AtomicReference<>(Instant.parse("2031-05-06T07:08:09Z"));

    void advance() {
      now.updateAndGet(i -> i.plus(Duration.ofSeconds(1)));
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  }

  /** One step of a history. */
  sealed interface Op permits Read, Append, Rewrite, StaleWrite, Clear, Erase {}

  /** A read by one instance on the history's thread: its base for a later stale write. */
  record Read(int instance, String conversation) implements Op {}

  /** Appends through the instance's window memory. */
  record Append(int instance, String conversation, List<String> texts) implements Op {}

  /** A fresh read, then a write without the {@code pick}-th message and with {@code texts}. */
  record Rewrite(int instance, String conversation, int pick, List<String> texts) implements Op {}

  /** A write from the instance's last read or write on this thread, however old. */
  record StaleWrite(int instance, String conversation, int pick, List<String> texts)
      implements Op {}

  /** A clear through the instance's memory. */
  record Clear(int instance, String conversation) implements Op {}

  /** An erasure behind the chat memory's back, through store {@code store}. */
  record Erase(Erasure erasure, int store, String conversation, int pick, int secondsBack)
      implements Op {}

  /** A history: the window size and the steps. */
  record History(int window, List<Op> ops) {
    History without(int from, int to) {
      List<Op> rest = new ArrayList<>(ops.subList(0, from));
      rest.addAll(ops.subList(to, ops.size()));
      return new History(window, rest);
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("window " + window + ", " + ops.size() + " steps:\n");
      for (int i = 0; i < ops.size(); i++) {
        sb.append("  ").append(i).append(": ").append(ops.get(i)).append('\n');
      }
      return sb.toString();
    }
  }

  private final Frontends frontends;
  private final SteppingClock clock = new SteppingClock();
  private int runs;

  private ChatModelCheck(Frontends frontends) {
    this.frontends = frontends;
  }

  /**
   * Runs {@link #HISTORIES} random histories on the backend and fails with a shrunk reproduction
   * and the seed at the first disagreement with the model.
   *
   * @param backend where the stores live
   * @param frontends the chat memory under test
   */
  public static void check(Backend backend, Frontends frontends) {
    long seed = Long.getLong("harbor.chat.seed", new Random().nextLong());
    Random random = new Random(seed);
    ChatModelCheck check = new ChatModelCheck(frontends);
    ExecutorService reader = Executors.newSingleThreadExecutor();
    long steps = 0;
    try (Stores stores = backend.open(check.clock)) {
      for (int h = 0; h < HISTORIES; h++) {
        History history = generate(random);
        steps += history.ops().size();
        String mismatch = check.run(history, stores, reader);
        if (mismatch != null) {
          History minimal = check.shrink(history, stores, reader);
          fail(
              "the chat memory disagrees with the model on "
                  + backend
                  + " (seed "
                  + seed
                  + ", history "
                  + h
                  + "; replay with -Dharbor.chat.seed="
                  + seed
                  + "): "
                  + mismatch
                  + "\nminimal reproduction, "
                  + minimal
                  + check.run(minimal, stores, reader));
        }
      }
    } finally {
      reader.shutdownNow();
    }
    System.out.println(
        "chat model check on "
            + backend
            + ": "
            + HISTORIES
            + " histories, "
            + steps
            + " steps, all agreeing with the model (seed "
            + seed
            + ")");
  }

  private static History generate(Random random) {
    int window = 3 + random.nextInt(4);
    List<Op> ops = new ArrayList<>();
    int[] texts = {0};
    for (int i = 0; i < STEPS; i++) {
      int instance = random.nextInt(INSTANCES);
      String conversation = CONVERSATIONS.get(random.nextInt(CONVERSATIONS.size()));
      int roll = random.nextInt(100);
      if (roll < 18) {
        ops.add(new Read(instance, conversation));
      } else if (roll < 48) {
        // Now and then a burst of turns, so positions pass 100 while a window stays short.
        int n = random.nextInt(12) == 0 ? 40 + random.nextInt(80) : 1 + random.nextInt(3);
        ops.add(new Append(instance, conversation, newTexts(texts, n)));
      } else if (roll < 58) {
        ops.add(
            new Rewrite(
                instance, conversation, random.nextInt(8), newTexts(texts, random.nextInt(3))));
      } else if (roll < 70) {
        ops.add(
            new StaleWrite(
                instance, conversation, random.nextInt(8), newTexts(texts, random.nextInt(3))));
      } else if (roll < 76) {
        ops.add(new Clear(instance, conversation));
      } else {
        Erasure erasure = Erasure.values()[random.nextInt(Erasure.values().length)];
        if (erasure == Erasure.ERASE_TENANT && random.nextBoolean()) {
          erasure = Erasure.DELETE_SCOPE; // the tenant-wide one half as often
        }
        ops.add(
            new Erase(
                erasure,
                random.nextInt(2),
                conversation,
                random.nextInt(8),
                random.nextInt(i + 1)));
      }
    }
    return new History(window, ops);
  }

  private static List<String> newTexts(int[] counter, int n) {
    List<String> texts = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      texts.add("m" + counter[0]++);
    }
    return texts;
  }

  /** A message of the model: its text and when it was stored. */
  private record Message(String text, Instant at) {}

  /** Runs a history in a tenant of its own; returns the first disagreement, or null. */
  private String run(History history, Stores stores, ExecutorService reader) {
    String tenant = "t" + ++runs;
    List<Frontend> instances = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      // Instances 0 and 1 share store 0; instance 2 is on store 1 (another store instance).
      instances.add(frontends.open(stores.stores().get(i < 2 ? 0 : 1), tenant, history.window()));
    }
    Map<String, List<Message>> model = new LinkedHashMap<>();
    for (String c : CONVERSATIONS) {
      model.put(c, new ArrayList<>());
    }
    Map<String, List<String>> bases = new HashMap<>(); // "instance|conversation" -> its last read
    for (int step = 0; step < history.ops().size(); step++) {
      clock.advance();
      Op op = history.ops().get(step);
      try {
        apply(op, instances, stores, tenant, history.window(), model, bases);
      } catch (RuntimeException e) {
        return "step " + step + " " + op + " threw " + e;
      }
      String mismatch = verify(instances, model, reader);
      if (mismatch != null) {
        return "after step " + step + " " + op + ": " + mismatch;
      }
    }
    return null;
  }

  private void apply(
      Op op,
      List<Frontend> instances,
      Stores stores,
      String tenant,
      int window,
      Map<String, List<Message>> model,
      Map<String, List<String>> bases) {
    Instant now = clock.instant();
    if (op instanceof Read r) {
      bases.put(
          key(r.instance(), r.conversation()), instances.get(r.instance()).read(r.conversation()));
    } else if (op instanceof Append a) {
      if (a.texts().size() <= 3) {
        instances.get(a.instance()).append(a.conversation(), a.texts());
      } else {
        // A burst is many turns: one call each, so positions climb past the hundreds.
        a.texts().forEach(t -> instances.get(a.instance()).append(a.conversation(), List.of(t)));
      }
      List<Message> messages = model.get(a.conversation());
      a.texts().forEach(t -> messages.add(new Message(t, now)));
      messages.subList(0, Math.max(0, messages.size() - window)).clear();
      bases.put(key(a.instance(), a.conversation()), texts(messages));
    } else if (op instanceof Rewrite r) {
      Frontend f = instances.get(r.instance());
      List<String> next = new ArrayList<>(f.read(r.conversation()));
      if (!next.isEmpty()) {
        next.remove(Math.floorMod(r.pick(), next.size()));
      }
      next.addAll(r.texts());
      f.write(r.conversation(), next);
      List<Message> messages = model.get(r.conversation());
      if (!messages.isEmpty()) {
        messages.remove(Math.floorMod(r.pick(), messages.size()));
      }
      r.texts().forEach(t -> messages.add(new Message(t, now)));
      bases.put(key(r.instance(), r.conversation()), next);
    } else if (op instanceof StaleWrite s) {
      List<Message> messages = model.get(s.conversation());
      // Without a base on this thread the write's base is the conversation as stored.
      List<String> next =
          new ArrayList<>(bases.getOrDefault(key(s.instance(), s.conversation()), texts(messages)));
      if (!next.isEmpty()) {
        String dropped = next.remove(Math.floorMod(s.pick(), next.size()));
        messages.removeIf(m -> m.text().equals(dropped));
      }
      next.addAll(s.texts());
      instances.get(s.instance()).write(s.conversation(), next);
      // Kept messages that an erasure removed meanwhile stay removed; the new ones go last.
      s.texts().forEach(t -> messages.add(new Message(t, now)));
      bases.put(key(s.instance(), s.conversation()), next);
    } else if (op instanceof Clear c) {
      instances.get(c.instance()).clear(c.conversation());
      model.get(c.conversation()).clear();
      bases.remove(key(c.instance(), c.conversation()));
    } else if (op instanceof Erase e) {
      erase(e, stores, tenant, now, model);
    }
  }

  private static void erase(
      Erase e, Stores stores, String tenant, Instant now, Map<String, List<Message>> model) {
    Quadruple where = identity(tenant, e.conversation());
    Instant cutoff = now.minusSeconds(e.secondsBack());
    List<Message> target = model.get(e.conversation());
    // The one-message erasures take the pick-th message in stored order: the model's order.
    String victim =
        target.isEmpty() ? "" : target.get(Math.floorMod(e.pick(), target.size())).text();
    e.erasure().apply(stores.stores().get(e.store()), where, cutoff, e.pick());
    switch (e.erasure()) {
      case ERASE_USER ->
          model.forEach(
              (c, messages) -> {
                if (identity(tenant, c).userId().equals(where.userId())) {
                  messages.clear();
                }
              });
      case ERASE_TENANT -> model.values().forEach(List::clear);
      case DELETE_SCOPE -> target.clear();
      case PURGE_CHAT_KINDS, PURGE_MESSAGES ->
          model.values().forEach(messages -> messages.removeIf(m -> m.at().isBefore(cutoff)));
      case DELETE_MESSAGE, DELETE_IF_MESSAGE -> target.removeIf(m -> m.text().equals(victim));
    }
  }

  private static String key(int instance, String conversation) {
    return instance + "|" + conversation;
  }

  private static Quadruple identity(String tenant, String conversation) {
    int slash = conversation.indexOf('/');
    return slash < 0
        ? new Quadruple(tenant, ConversationLog.DEFAULT_USER, conversation, "")
        : new Quadruple(
            tenant, conversation.substring(0, slash), conversation.substring(slash + 1), "");
  }

  private static List<String> texts(List<Message> messages) {
    return messages.stream().map(Message::text).toList();
  }

  /** Every instance reads every conversation on the reader thread; null if all match the model. */
  private static String verify(
      List<Frontend> instances, Map<String, List<Message>> model, ExecutorService reader) {
    for (int i = 0; i < instances.size(); i++) {
      Frontend f = instances.get(i);
      for (String c : CONVERSATIONS) {
        List<String> seen = onReader(reader, () -> f.read(c));
        List<String> expected = texts(model.get(c));
        if (!seen.equals(expected)) {
          // Texts are unique: one the model does not hold was erased or dropped.
          List<String> back = seen.stream().filter(t -> !expected.contains(t)).toList();
          return "instance "
              + i
              + " read "
              + c
              + " as "
              + seen
              + ", the model holds "
              + expected
              + (back.isEmpty() ? "" : "; erased or dropped messages came back: " + back);
        }
      }
    }
    Set<String> ids = new HashSet<>(onReader(reader, () -> instances.get(0).conversationIds()));
    Set<String> expected = new HashSet<>();
    model.forEach(
        (c, messages) -> {
          if (!messages.isEmpty()) {
            expected.add(c);
          }
        });
    return ids.equals(expected)
        ? null
        : "conversation ids are " + ids + ", the model's non-empty ones " + expected;
  }

  private static <T> T onReader(ExecutorService reader, java.util.concurrent.Callable<T> read) {
    try {
      return reader.submit(read).get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      throw new AssertionError("a read failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("a read took more than 5 minutes", e);
    }
  }

  /** Removes ever smaller chunks of steps while the history still fails (removal only). */
  private History shrink(History failing, Stores stores, ExecutorService reader) {
    History current = failing;
    for (int chunk = Math.max(1, current.ops().size() / 2); chunk >= 1; chunk /= 2) {
      boolean removed = true;
      while (removed) {
        removed = false;
        for (int from = 0; from + chunk <= current.ops().size(); from += chunk) {
          History candidate = current.without(from, from + chunk);
          if (run(candidate, stores, reader) != null) {
            current = candidate;
            removed = true;
            break;
          }
        }
      }
    }
    return current;
  }
}
