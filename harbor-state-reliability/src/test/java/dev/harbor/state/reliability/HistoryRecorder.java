package dev.harbor.state.reliability;

import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records a history: client threads, each on one of the given store instances (nodes), run the
 * calls of their own {@link HistoryGenerator} all at once, while an optional fault runs beside them
 * and threads are interrupted now and then. Every operation's invocation and completion are taken
 * with {@code System.nanoTime} around the call.
 */
final class HistoryRecorder {

  /** Something that disturbs the stores while a history is recorded. */
  @FunctionalInterface
  interface Fault {
    /** Called every few milliseconds while the clients run; returns how many faults it caused. */
    int inject() throws Exception;
  }

  /** A client that runs elsewhere (another process) and reports its operations at the end. */
  interface Participant {
    /** Starts; returns once it is about to run its calls. */
    void start(long seed, List<String> tenants) throws Exception;

    /** Waits for the end and returns its operations (ids are assigned by the recorder). */
    List<History.Op> finish() throws Exception;
  }

  /**
   * The seed of one client's generator, the same in every process.
   *
   * @param seed the history's seed
   * @param client the client's number
   * @return its generator's seed
   */
  static long clientSeed(long seed, int client) {
    return seed * 1_000 + client;
  }

  private final List<StateStore> nodes;
  private final int clients;
  private final int opsPerClient;
  private final List<String> tenants;
  private final Fault fault;
  private final int interruptPercent;

  /** Faults injected in the histories recorded so far, interrupts included. */
  final AtomicInteger faults = new AtomicInteger();

  /**
   * A recorder.
   *
   * @param nodes store instances; client i uses node i modulo their number
   * @param clients client threads
   * @param opsPerClient operations each client runs
   * @param tenants the tenants (key spaces checked independently)
   * @param fault what runs beside the clients, or null
   * @param interruptPercent chance, in percent per fault tick, that a random client is interrupted
   */
  HistoryRecorder(
      List<StateStore> nodes,
      int clients,
      int opsPerClient,
      List<String> tenants,
      Fault fault,
      int interruptPercent) {
    this.nodes = List.copyOf(nodes);
    this.clients = clients;
    this.opsPerClient = opsPerClient;
    this.tenants = List.copyOf(tenants);
    this.fault = fault;
    this.interruptPercent = interruptPercent;
  }

  /**
   * The same recorder for other tenants (each history of a run uses tenants of its own).
   *
   * @param tenants the tenants
   * @return a recorder with a fault count of its own
   */
  HistoryRecorder withTenants(List<String> tenants) {
    return new HistoryRecorder(nodes, clients, opsPerClient, tenants, fault, interruptPercent);
  }

  /**
   * Records one history.
   *
   * @param seed the seed of the clients' generators
   * @return the history
   */
  History record(long seed) throws Exception {
    return record(seed, List.of());
  }

  /**
   * Records one history with clients elsewhere too.
   *
   * @param seed the seed of the clients' generators
   * @param participants clients in other processes, started just before the in-process ones
   * @return the history
   */
  History record(long seed, List<? extends Participant> participants) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<String> sideLog = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
    try {
      for (Participant p : participants) {
        p.start(seed, tenants);
      }
      List<Future<List<History.Op>>> results = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        StateStore store = nodes.get(c % nodes.size());
        HistoryGenerator generator =
            new HistoryGenerator(clientSeed(seed, c), tenants, "c" + c, sideLog);
        results.add(
            pool.submit(
                () -> {
                  awaitUninterruptibly(start);
                  threads.add(Thread.currentThread()); // interrupted from now on
                  List<History.Op> ops = new ArrayList<>();
                  for (int i = 0; i < opsPerClient; i++) {
                    History.Call call = generator.next();
                    long invoked = System.nanoTime();
                    History.Outcome outcome = History.Outcome.of(call, store);
                    long completed = System.nanoTime();
                    Thread.interrupted(); // an interrupt is meant for one call only
                    ops.add(new History.Op(-1, client, call, invoked, completed, outcome));
                  }
                  return ops;
                }));
      }
      start.countDown();
      disturb(results, threads);
      List<History.Op> all = new ArrayList<>();
      for (Future<List<History.Op>> r : results) {
        all.addAll(r.get(5, TimeUnit.MINUTES));
      }
      for (Participant p : participants) {
        all.addAll(p.finish());
      }
      List<History.Op> numbered = new ArrayList<>();
      int id = 0;
      for (History.Op o : all) {
        numbered.add(
            new History.Op(
                id++, o.process(), o.call(), o.invokedNanos(), o.completedNanos(), o.outcome()));
      }
      return new History(numbered);
    } finally {
      start.countDown(); // never leave a client waiting, whatever failed
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  /** All clients start at once; an interrupt meant for a call must not end a client early. */
  private static void awaitUninterruptibly(CountDownLatch start) {
    boolean interrupted = false;
    while (true) {
      try {
        start.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.interrupted();
    }
  }

  private void disturb(List<Future<List<History.Op>>> results, List<Thread> threads)
      throws Exception {
    if (fault == null && interruptPercent == 0) {
      return;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (results.stream().anyMatch(r -> !r.isDone())) {
      if (fault != null) {
        faults.addAndGet(fault.inject());
      }
      if (random.nextInt(100) < interruptPercent && !threads.isEmpty()) {
        threads.get(random.nextInt(threads.size())).interrupt();
        faults.incrementAndGet();
      }
      Thread.sleep(2 + random.nextInt(8));
    }
  }
}
