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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Makes a violating history small enough for a person to read, and prints it.
 *
 * <p>Every step only removes constraints, so what is left is still a violation of the same run and
 * shows the anomaly itself, never one the shrinking made up (dropping a write would: a read of its
 * record would then read a record never written):
 *
 * <ol>
 *   <li>cut the history at the earliest time by which it already violates: operations invoked later
 *       go; writes still in flight then become indeterminate, reads in flight go;
 *   <li>drop reads (they only constrain), in halving chunks down to single ones;
 *   <li>turn writes whose recorded outcome the violation does not need into indeterminate ones
 *       ("outcome not needed"), so the writes that matter stand out.
 * </ol>
 *
 * <p>Each candidate is checked afresh; an {@link Verdict#UNDECIDED} candidate counts as not
 * violating, so the result never rests on a guess.
 */
final class HistoryShrinker {

  private final LinearizabilityChecker checker;
  private final Duration timeLimit;
  private int checks;

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
   * A small violating history made from this one.
   *
   * @param violating a history the checker finds violating
   * @return a violating history of one tenant: some of its operations, some made indeterminate
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
    ops = cutEarly(ops, deadline);
    ops = dropChunks(ops, Op::isRead, op -> null, deadline);
    ops = dropChunks(ops, op -> !op.indeterminate(), HistoryShrinker::notNeeded, deadline);
    return new History(ops);
  }

  /** The history as it stood at the earliest completion time by which it already violates. */
  private List<Op> cutEarly(List<Op> ops, long deadline) {
    List<Long> times =
        ops.stream()
            .filter(o -> !o.indeterminate())
            .map(Op::completedNanos)
            .distinct()
            .sorted()
            .toList();
    int lo = 0;
    int hi = times.size() - 1; // the whole history violates
    List<Op> best = ops;
    while (lo < hi && System.nanoTime() - deadline < 0) {
      int mid = (lo + hi) >>> 1;
      List<Op> candidate = cutAt(ops, times.get(mid));
      if (violates(candidate)) {
        best = candidate;
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return best;
  }

  private static List<Op> cutAt(List<Op> ops, long time) {
    List<Op> out = new ArrayList<>();
    for (Op o : ops) {
      if (o.invokedNanos() > time) {
        continue;
      }
      if (o.indeterminate() || o.completedNanos() <= time) {
        out.add(o);
      } else if (!o.call().readOnly()) {
        out.add(withOutcome(o, new Unknown("in flight at the cut")));
      }
    }
    return out;
  }

  /**
   * Removes or replaces, in halving chunks down to single operations, the operations {@code
   * eligible} selects, keeping each change that leaves a violation.
   *
   * @param replace what an operation becomes, or null to drop it
   */
  private List<Op> dropChunks(
      List<Op> ops,
      java.util.function.Predicate<Op> eligible,
      java.util.function.UnaryOperator<Op> replace,
      long deadline) {
    List<Integer> targets = new ArrayList<>();
    for (Op o : ops) {
      if (eligible.test(o)) {
        targets.add(o.id());
      }
    }
    for (int chunk = Math.max(1, targets.size() / 2);
        chunk >= 1 && System.nanoTime() - deadline < 0;
        chunk /= 2) {
      for (int i = 0; i < targets.size() && System.nanoTime() - deadline < 0; ) {
        Set<Integer> change =
            new HashSet<>(targets.subList(i, Math.min(targets.size(), i + chunk)));
        List<Op> candidate = new ArrayList<>();
        for (Op o : ops) {
          if (!change.contains(o.id())) {
            candidate.add(o);
          } else if (replace.apply(o) != null) {
            candidate.add(replace.apply(o));
          }
        }
        if (violates(candidate)) {
          ops = candidate;
          targets.removeAll(change);
        } else {
          i += chunk;
        }
      }
    }
    return ops;
  }

  private static Op notNeeded(Op o) {
    return withOutcome(o, new Unknown("outcome not needed; was " + outcome(o.outcome())));
  }

  private static Op withOutcome(Op o, Outcome outcome) {
    return new Op(
        o.id(),
        o.process(),
        o.call(),
        o.invokedNanos(),
        outcome instanceof Unknown ? Long.MAX_VALUE : o.completedNanos(),
        outcome);
  }

  private boolean violates(List<Op> ops) {
    if (ops.isEmpty()) {
      return false;
    }
    checks++;
    return checker.check(new History(ops)).verdict() == Verdict.VIOLATION;
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
    } else if (o instanceof History.Failed f) {
      return "failed, changed nothing (" + f.why() + ")";
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
