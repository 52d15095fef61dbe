package dev.harbor.state.reliability;

import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.testing.SyscallFault;
import dev.harbor.state.testing.SyscallFault.Errno;
import dev.harbor.state.testing.SyscallFault.Syscall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * SQLite histories under the storage fault layer: two store instances in this process and a client
 * in another process on one file, and in each history one failed system call in the client process
 * at a random moment ({@link SyscallFault}: the WAL's {@code fdatasync} or {@code pwrite64} failing
 * with EIO or ENOSPC, or a {@code pread64} of the database or the WAL with EIO), besides
 * interrupts. After each history the store restarts as after a crash: the instances here close, the
 * client process is killed, the next opener recovers the WAL, and reads of every slot and event id
 * the history wrote are added to the history, so that a write reported as "nothing changed" that
 * WAL recovery brings back is a violation. {@link Recovery} checks that only the call that met the
 * fault failed: the instance serves its next calls.
 */
class SqliteStorageFaultsLinearizabilityTest extends LinearizabilityProperties {

  /** The faults, each on the files it fails. */
  private enum Fault {
    WAL_FSYNC_EIO(Syscall.FSYNC, Errno.EIO, false),
    WAL_WRITE_EIO(Syscall.PWRITE64, Errno.EIO, false),
    WAL_WRITE_ENOSPC(Syscall.PWRITE64, Errno.ENOSPC, false),
    READ_EIO(Syscall.PREAD64, Errno.EIO, true);

    final Syscall syscall;
    final Errno errno;
    final boolean databaseToo;

    Fault(Syscall syscall, Errno errno, boolean databaseToo) {
      this.syscall = syscall;
      this.errno = errno;
      this.databaseToo = databaseToo;
    }

    List<Path> files(Path file) {
      Path wal = Path.of(file + "-wal");
      return databaseToo ? List.of(file, wal) : List.of(wal);
    }
  }

  /** How long a fault stays armed: the client's next matching call within it fails. */
  private static final long ARMED_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  @Override
  Nodes open() throws Exception {
    SyscallFault.requireStrace(); // fails loudly: this run needs it
    Path dir = Files.createTempDirectory("harbor-storage-faults").toRealPath();
    Path file = dir.resolve("state.db");
    String location = "sqlite:" + file;
    ChildClient child = new ChildClient(file, CLIENTS, OPS_PER_CLIENT * 2);
    return new Nodes() {
      private StateStore a = StateStores.open(location);
      private StateStore b = StateStores.open(location);
      private SyscallFault armed;
      private long armedAt;
      private int injected; // storage faults of this history
      private final Map<Fault, Integer> armedByKind = new EnumMap<>(Fault.class);
      private final Map<String, Integer> met = new TreeMap<>(); // the client's failed calls

      @Override
      public List<StateStore> stores() {
        return List.of(a, b);
      }

      @Override
      public List<HistoryRecorder.Participant> participants(int history) {
        injected = 0;
        return List.of(child.participant());
      }

      @Override
      public HistoryRecorder.Fault fault() {
        return () -> {
          if (armed != null && System.nanoTime() - armedAt > ARMED_NANOS) {
            disarm();
          }
          ThreadLocalRandom random = ThreadLocalRandom.current();
          if (armed == null && injected == 0 && child.pid() != 0 && random.nextInt(100) < 20) {
            Fault f = Fault.values()[random.nextInt(Fault.values().length)];
            armed =
                SyscallFault.arm(child.pid(), child.thread(), f.syscall, f.errno, f.files(file));
            armedAt = System.nanoTime();
            injected++;
            armedByKind.merge(f, 1, Integer::sum);
            return 1;
          }
          return 0;
        };
      }

      private void disarm() {
        if (armed != null) {
          armed.close();
          armed = null;
        }
      }

      @Override
      public History afterHistory(History recorded) throws Exception {
        disarm();
        recorded.ops().stream()
            .filter(o -> o.process() == CLIENTS && o.storageFailure())
            .forEach(o -> met.merge(String.valueOf(o.outcome()), 1, Integer::sum));
        // A restart as after a crash: these instances close first, then the client process is
        // killed, so nothing holds the file and the next opener runs WAL recovery.
        a.close();
        b.close();
        child.crash();
        a = StateStores.open(location);
        b = StateStores.open(location);
        return withReadsOf(recorded, a);
      }

      @Override
      public int failureBudget() {
        return injected;
      }

      @Override
      public IntPredicate faulted() {
        return process -> process == CLIENTS; // the client process, the only one faults hit
      }

      @Override
      public void close() throws Exception {
        System.out.printf(
            "SqliteStorageFaultsLinearizabilityTest: storage faults armed %s; calls that met one"
                + " %s%n",
            armedByKind, met);
        disarm();
        child.close();
        a.close();
        b.close();
        Drivers.deleteTree(dir);
      }
    };
  }

  /**
   * The history followed by reads, from a store opened after the restart, of every slot and every
   * event id its writes touched.
   */
  static History withReadsOf(History recorded, StateStore store) {
    Map<List<Object>, History.Call> reads = new LinkedHashMap<>();
    Set<String> seenIds = new LinkedHashSet<>();
    for (History.Op op : recorded.ops()) {
      for (StateRecord r : written(op.call())) {
        reads.putIfAbsent(
            List.<Object>of(r.identity(), r.kind()), new History.Find(r.identity(), r.kind()));
        if (seenIds.add(r.id().value())) {
          reads.put(
              List.<Object>of(r.id()), new History.FindByEventId(r.identity().tenantId(), r.id()));
        }
      }
    }
    List<History.Op> ops = new ArrayList<>(recorded.ops());
    int id = ops.size();
    for (History.Call call : reads.values()) {
      long invoked = System.nanoTime();
      History.Outcome outcome = History.Outcome.of(call, store);
      ops.add(new History.Op(id++, CLIENTS + 1, call, invoked, System.nanoTime(), outcome));
    }
    return new History(ops);
  }

  private static List<StateRecord> written(History.Call call) {
    if (call instanceof History.Save s) {
      return List.of(s.record());
    } else if (call instanceof History.SaveAll s) {
      return s.records();
    } else if (call instanceof History.SaveIf s) {
      return List.of(s.next());
    } else if (call instanceof History.SaveBatchIf s) {
      return s.writes();
    }
    return List.of();
  }
}
