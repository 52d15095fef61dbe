package dev.harbor.state.reliability;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.reliability.History.Call;
import dev.harbor.state.reliability.History.Op;
import dev.harbor.state.reliability.History.Outcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Random histories that are linearizable by construction, to check that the checker passes real
 * concurrent-looking histories within its budget: operations run one after another on the model,
 * the i-th at instant {@code i} µs, and each gets an interval around its instant, as wide as the
 * processes allow, so up to that many operations overlap. The instants themselves are a valid
 * linearization.
 *
 * <p>Some writes are made indeterminate: their outcome is recorded as unknown and, at random, they
 * either took effect at their instant or never did.
 */
final class SequentialHistories {

  private static final Instant AT = Instant.parse("2030-01-01T00:00:00Z");
  private static final List<String> SESSIONS = List.of("s1", "s2");
  private static final List<String> RUNS = List.of("", "r1");
  private static final List<String> KINDS = List.of("k.a", "k.b");
  private static final int IDS_PER_TENANT = 10;

  private final Random random;
  private final ModelStore model = ModelStore.of(List.of());

  private SequentialHistories(long seed) {
    this.random = new Random(seed);
  }

  /**
   * A random history linearizable by construction.
   *
   * @param seed the random seed
   * @param size operations
   * @param tenants tenants the operations are spread over
   * @param processes clients; operation {@code i} belongs to process {@code i % processes}
   * @param unknownRate the share of writes recorded as indeterminate
   * @return the history, from an empty store
   */
  static History generate(
      long seed, int size, List<String> tenants, int processes, double unknownRate) {
    return new SequentialHistories(seed).run(size, tenants, processes, unknownRate);
  }

  /**
   * The history with one determinate operation's outcome replaced by a plausible wrong one: a read
   * returning another record of the history or nothing, a write failing instead of succeeding or
   * the reverse, a count off by one. The result may still be linearizable (another order may
   * explain the new outcome); an oracle decides.
   *
   * @param history a history from {@link #generate}
   * @param seed the random seed
   * @return the changed history
   */
  static History corrupt(History history, long seed) {
    Random random = new Random(seed);
    List<Op> ops = new ArrayList<>(history.ops());
    List<Integer> determinate = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      if (!ops.get(i).indeterminate()) {
        determinate.add(i);
      }
    }
    if (determinate.isEmpty()) {
      return history;
    }
    int i = determinate.get(random.nextInt(determinate.size()));
    Op op = ops.get(i);
    List<StateRecord> written = new ArrayList<>();
    for (Op o : ops) {
      if (o.call().tenant().equals(op.call().tenant()) && o.call() instanceof History.Save s) {
        written.add(s.record());
      }
    }
    Object wrong = null;
    Outcome outcome = op.outcome();
    if (outcome instanceof History.Threw) {
      outcome = new History.Returned(null);
    } else if (outcome instanceof History.Returned r) {
      Object v = r.value();
      if (v == null) {
        outcome = new History.Threw(ConditionFailedException.class);
      } else if (v instanceof Boolean b) {
        wrong = !b;
      } else if (v instanceof Integer n) {
        wrong = n + 1;
      } else if (v instanceof Optional<?> found) {
        wrong =
            found.isPresent() || written.isEmpty()
                ? Optional.empty()
                : Optional.of(written.get(random.nextInt(written.size())));
      } else if (v instanceof List<?> list) {
        wrong =
            !list.isEmpty() || written.isEmpty()
                ? List.of()
                : List.of(written.get(random.nextInt(written.size())));
      }
      if (wrong != null) {
        outcome = new History.Returned(wrong);
      }
    }
    ops.set(
        i,
        new Op(op.id(), op.process(), op.call(), op.invokedNanos(), op.completedNanos(), outcome));
    return new History(ops);
  }

  private History run(int size, List<String> tenants, int processes, double unknownRate) {
    // Op i of a process ends before its op i + processes starts: half a gap on each side.
    int spread = processes * 1000 / 2;
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Call call = call(tenants.get(random.nextInt(tenants.size())));
      Outcome outcome;
      if (!call.readOnly() && random.nextDouble() < unknownRate) {
        if (random.nextBoolean()) {
          Outcome.of(call, model.store()); // it took effect after all
        }
        outcome = new History.Unknown("generated");
      } else {
        outcome = Outcome.of(call, model.store());
      }
      long at = i * 1000L;
      long from = at - random.nextInt(spread);
      long to = at + random.nextInt(spread);
      ops.add(new Op(i, i % processes, call, from, to, outcome));
    }
    return new History(ops);
  }

  private Call call(String tenant) {
    int pick = random.nextInt(100);
    if (pick < 20) {
      return new History.Save(record(tenant));
    } else if (pick < 28) {
      StateRecord a = record(tenant);
      StateRecord b = record(tenant);
      return new History.SaveAll(distinct(a, b) ? List.of(a, b) : List.of(a));
    } else if (pick < 40) {
      StateRecord next = record(tenant);
      StateRecord other = record(tenant);
      List<SlotExpectation> es = new ArrayList<>(List.of(expectation(next)));
      if (!sameSlot(next, other)) {
        es.add(expectation(other));
      }
      return new History.SaveIf(es, next);
    } else if (pick < 45) {
      StateRecord a = record(tenant);
      StateRecord b = record(tenant);
      List<StateRecord> writes = distinct(a, b) ? List.of(a, b) : List.of(a);
      return new History.SaveBatchIf(writes.stream().map(this::expectation).toList(), writes);
    } else if (pick < 52) {
      return new History.DeleteIf(present(record(tenant)));
    } else if (pick < 57) {
      StateRecord r = record(tenant);
      return new History.Delete(r.identity(), r.kind());
    } else if (pick < 60) {
      return new History.DeleteScope(new Identity(tenant, "u1", pickOf(SESSIONS)));
    } else if (pick < 80) {
      StateRecord r = record(tenant);
      return new History.Find(r.identity(), r.kind());
    } else if (pick < 88) {
      return new History.FindByEventId(tenant, EventId.of(id(tenant)));
    } else if (pick < 95) {
      return new History.ListForIdentity(record(tenant).identity(), "k");
    } else {
      return new History.FenceIf(present(record(tenant)), new ArrayList<>());
    }
  }

  private StateRecord record(String tenant) {
    Quadruple q = new Quadruple(tenant, "u1", pickOf(SESSIONS), pickOf(RUNS));
    return StateRecord.builder()
        .id(id(tenant))
        .identity(q)
        .kind(pickOf(KINDS))
        .version(1)
        .bytes(new byte[] {(byte) random.nextInt(2)})
        .updatedAt(AT)
        .build();
  }

  private String id(String tenant) {
    return tenant + "-e" + random.nextInt(IDS_PER_TENANT);
  }

  /** Mostly what the slot holds now, so conditional writes succeed as often as they fail. */
  private SlotExpectation expectation(StateRecord r) {
    if (random.nextInt(10) < 7) {
      Optional<StateRecord> now = model.store().find(r.identity(), r.kind());
      return new SlotExpectation(r.identity(), r.kind(), now.map(StateRecord::id).orElse(null));
    }
    return random.nextBoolean()
        ? SlotExpectation.absent(r.identity(), r.kind())
        : SlotExpectation.exact(r.identity(), r.kind(), EventId.of(id(r.identity().tenantId())));
  }

  /**
   * A non-absent expectation, as deleteIf and fenceIf require: the current id when there is one.
   */
  private SlotExpectation present(StateRecord r) {
    SlotExpectation e = expectation(r);
    return e.expectsAbsent() ? SlotExpectation.exact(r.identity(), r.kind(), r.id()) : e;
  }

  private static boolean sameSlot(StateRecord a, StateRecord b) {
    return a.identity().equals(b.identity()) && a.kind().equals(b.kind());
  }

  private static boolean distinct(StateRecord a, StateRecord b) {
    return !sameSlot(a, b) && !a.id().equals(b.id());
  }

  private <T> T pickOf(List<T> from) {
    return from.get(random.nextInt(from.size()));
  }
}
