package dev.harbor.state.reliability;

import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.reliability.History.Call;
import dev.harbor.state.reliability.History.Delete;
import dev.harbor.state.reliability.History.DeleteIf;
import dev.harbor.state.reliability.History.DeleteScope;
import dev.harbor.state.reliability.History.FenceIf;
import dev.harbor.state.reliability.History.Find;
import dev.harbor.state.reliability.History.FindByEventId;
import dev.harbor.state.reliability.History.ListForIdentity;
import dev.harbor.state.reliability.History.Op;
import dev.harbor.state.reliability.History.Outcome;
import dev.harbor.state.reliability.History.Returned;
import dev.harbor.state.reliability.History.Save;
import dev.harbor.state.reliability.History.SaveAll;
import dev.harbor.state.reliability.History.SaveBatchIf;
import dev.harbor.state.reliability.History.SaveIf;
import dev.harbor.state.reliability.History.Threw;
import dev.harbor.state.reliability.History.Unknown;
import dev.harbor.state.reliability.LinearizabilityChecker.PartitionResult;
import dev.harbor.state.reliability.LinearizabilityChecker.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Makes a violating history small enough for a person to read: drops operations while the checker
 * still finds a violation, and prints what is left.
 *
 * <p>Dropping is sound for this purpose: each candidate is checked afresh, so the result is itself
 * a violating history (of the same store run, with some operations unobserved). An {@link
 * Verdict#UNDECIDED} candidate counts as not violating, so the result never rests on a guess.
 *
 * <p>A candidate must keep the writer of every record its reads return (when the original had one):
 * otherwise a stale read would shrink to a read of a record never written, a violation that no
 * longer shows the anomaly.
 *
 * <p>Order of attempts, cheapest wins first: keep only the violating tenant; drop the tail of each
 * process (whole process first, then halves), since an anomaly is usually made of a few early
 * operations; then drop contiguous chunks in invocation order, halving the chunk size down to
 * single operations, until no single operation can go (the result is 1-minimal).
 */
final class HistoryShrinker {

  private final LinearizabilityChecker checker;
  private final Duration timeLimit;
  private int checks;
  private Set<StateRecord> originalWrites = Set.of();

  /**
   * A shrinker.
   *
   * @param checker the checker that judges each candidate (its budget bounds each check)
   * @param timeLimit how long shrinking may take in all; past it the smallest violating history
   *     found so far is returned
   */
  HistoryShrinker(LinearizabilityChecker checker, Duration timeLimit) {
    this.checker = Objects.requireNonNull(checker, "checker");
    this.timeLimit = Objects.requireNonNull(timeLimit, "timeLimit");
  }

  /** How many histories the last {@link #shrink} checked. */
  int checks() {
    return checks;
  }

  /**
   * A smallest violating sub-history found.
   *
   * @param violating a history the checker finds violating
   * @return a violating history made of some of its operations, of one tenant
   * @throws IllegalArgumentException if the checker does not find the history violating
   */
  History shrink(History violating) {
    long deadline = System.nanoTime() + timeLimit.toNanos();
    checks = 1;
    Optional<PartitionResult> part = checker.check(violating).violation();
    if (part.isEmpty()) {
      throw new IllegalArgumentException("not a violation: " + checker.check(violating).summary());
    }
    List<Op> ops = part.get().ops(); // one tenant, in invocation order
    originalWrites = written(ops);
    ops = dropProcessTails(ops, deadline);
    ops = dropChunks(ops, deadline);
    return new History(ops);
  }

  private List<Op> dropProcessTails(List<Op> ops, long deadline) {
    Set<Integer> processes = new LinkedHashSet<>();
    ops.forEach(o -> processes.add(o.process()));
    for (int p : processes) {
      List<Op> mine = ops.stream().filter(o -> o.process() == p).toList();
      int chunk = mine.size();
      while (chunk >= 1 && !mine.isEmpty() && System.nanoTime() - deadline < 0) {
        Set<Integer> tail =
            mine.subList(mine.size() - chunk, mine.size()).stream()
                .map(Op::id)
                .collect(Collectors.toSet());
        List<Op> candidate = ops.stream().filter(o -> !tail.contains(o.id())).toList();
        if (violates(candidate)) {
          ops = candidate;
          mine = mine.subList(0, mine.size() - chunk);
          chunk = Math.min(chunk, mine.size());
        } else {
          chunk /= 2;
        }
      }
    }
    return ops;
  }

  private List<Op> dropChunks(List<Op> ops, long deadline) {
    int chunk = Math.max(1, ops.size() / 2);
    while (System.nanoTime() - deadline < 0) {
      boolean dropped = false;
      for (int i = 0; i < ops.size() && System.nanoTime() - deadline < 0; ) {
        List<Op> candidate = new ArrayList<>(ops.subList(0, i));
        candidate.addAll(ops.subList(Math.min(ops.size(), i + chunk), ops.size()));
        if (violates(candidate)) {
          ops = candidate;
          dropped = true;
        } else {
          i += chunk;
        }
      }
      if (chunk > 1) {
        chunk /= 2;
      } else if (!dropped) {
        break; // no single operation can go: 1-minimal
      }
    }
    return ops;
  }

  private boolean violates(List<Op> ops) {
    if (ops.isEmpty() || !keepsWritersOfReads(ops)) {
      return false;
    }
    checks++;
    return checker.check(new History(ops)).verdict() == Verdict.VIOLATION;
  }

  /**
   * Whether every record a kept read returned is still written by a kept operation, when the
   * original history wrote it. Without this, dropping the writes of a stale read would leave a read
   * of a record never written: still a violation, but one that hides the anomaly.
   */
  private boolean keepsWritersOfReads(List<Op> ops) {
    Set<StateRecord> writes = written(ops);
    for (Op op : ops) {
      if (op.outcome() instanceof Returned r) {
        for (StateRecord read : records(r.value())) {
          if (originalWrites.contains(read) && !writes.contains(read)) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /** Records written by operations that may have taken effect (returned or unknown). */
  private static Set<StateRecord> written(List<Op> ops) {
    Set<StateRecord> out = new HashSet<>();
    for (Op op : ops) {
      if (op.outcome() instanceof Threw) {
        continue; // a failed call changed nothing
      }
      Call c = op.call();
      if (c instanceof Save s) {
        out.add(s.record());
      } else if (c instanceof SaveAll s) {
        out.addAll(s.records());
      } else if (c instanceof SaveIf s) {
        out.add(s.next());
      } else if (c instanceof SaveBatchIf s) {
        out.addAll(s.writes());
      }
    }
    return out;
  }

  /** The records in a read's normalized result. */
  private static List<StateRecord> records(Object value) {
    List<StateRecord> out = new ArrayList<>();
    if (value instanceof Optional<?> opt && opt.isPresent()) {
      out.add((StateRecord) opt.get());
    } else if (value instanceof List<?> list) {
      list.forEach(x -> out.add((StateRecord) x));
    }
    return out;
  }

  /**
   * The operations one per line in invocation order: id, process, {@code [invoked .. completed]} in
   * microseconds after the first invocation ({@code ?} for an unknown completion), the call and its
   * outcome. Records print as {@code eventId@tenant/user/session/run:kind(vVersion,nB)}; their
   * {@code updatedAt} is left out.
   *
   * @param history a history, typically shrunk
   * @return the text, one line per operation
   */
  static String describe(History history) {
    List<Op> ops = history.ops().stream().sorted(History.BY_INVOCATION).toList();
    if (ops.isEmpty()) {
      return "(no operations)\n";
    }
    long t0 = ops.get(0).invokedNanos();
    StringBuilder out = new StringBuilder();
    for (Op op : ops) {
      out.append(
          String.format(
              "#%-4d p%-3d [%9s .. %9s] µs  %s -> %s%n",
              op.id(),
              op.process(),
              micros(op.invokedNanos() - t0),
              op.indeterminate() ? "?" : micros(op.completedNanos() - t0),
              call(op.call()),
              outcome(op.outcome())));
    }
    return out.toString();
  }

  /**
   * A violating partition for a person: its operations as {@link #describe} prints them, then the
   * ids of the longest linearizable prefix the search found (the anomaly follows it).
   *
   * @param part a violating partition
   * @return the text
   */
  static String explain(PartitionResult part) {
    return describe(part.history())
        + "longest linearizable prefix: "
        + part.longestPrefix().stream().map(o -> "#" + o.id()).collect(Collectors.joining(" "))
        + "\n";
  }

  private static String micros(long nanos) {
    return String.format("%.1f", nanos / 1000.0);
  }

  private static String call(Call c) {
    if (c instanceof Save s) {
      return "save " + record(s.record());
    } else if (c instanceof SaveAll s) {
      return "saveAll " + records(s.records());
    } else if (c instanceof SaveIf s) {
      return "saveIf " + expectations(s.expectations()) + " " + record(s.next());
    } else if (c instanceof SaveBatchIf s) {
      return "saveBatchIf " + expectations(s.expectations()) + " " + records(s.writes());
    } else if (c instanceof DeleteIf d) {
      return "deleteIf " + expectation(d.expectation());
    } else if (c instanceof Delete d) {
      return "delete " + slot(d.identity(), d.kind());
    } else if (c instanceof DeleteScope d) {
      var i = d.identity();
      return "deleteScope " + i.tenantId() + "/" + i.userId() + "/" + i.sessionId();
    } else if (c instanceof Find f) {
      return "find " + slot(f.identity(), f.kind());
    } else if (c instanceof FindByEventId f) {
      return "findByEventId " + f.eventId().value();
    } else if (c instanceof ListForIdentity l) {
      return "list " + slot(l.identity(), l.kindPrefix() + "*");
    } else if (c instanceof FenceIf f) {
      return "fenceIf " + expectation(f.expectation());
    }
    return String.valueOf(c);
  }

  private static String outcome(Outcome o) {
    if (o instanceof Returned r) {
      Object v = r.value();
      if (v == null) {
        return "ok";
      } else if (v instanceof Optional<?> opt) {
        return opt.map(x -> record((StateRecord) x)).orElse("empty");
      } else if (v instanceof List<?> list) {
        return list.stream()
            .map(x -> record((StateRecord) x))
            .collect(Collectors.joining(", ", "[", "]"));
      }
      return String.valueOf(v);
    } else if (o instanceof Threw t) {
      return t.type().getSimpleName();
    } else if (o instanceof Unknown u) {
      return "unknown (" + u.why() + ")";
    }
    return String.valueOf(o);
  }

  private static String slot(Quadruple q, String kind) {
    return q.tenantId() + "/" + q.userId() + "/" + q.sessionId() + "/" + q.runId() + ":" + kind;
  }

  private static String record(StateRecord r) {
    if (r == null) {
      return "null";
    }
    return r.id().value()
        + "@"
        + slot(r.identity(), r.kind())
        + "(v"
        + r.version()
        + ","
        + r.size()
        + "B)";
  }

  private static String records(List<StateRecord> rs) {
    return rs.stream().map(HistoryShrinker::record).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String expectation(SlotExpectation e) {
    return slot(e.identity(), e.kind())
        + "="
        + (e.expectsAbsent() ? "absent" : e.expectedEventId().value());
  }

  private static String expectations(List<SlotExpectation> es) {
    return es.stream()
        .map(HistoryShrinker::expectation)
        .collect(Collectors.joining(", ", "{", "}"));
  }
}
