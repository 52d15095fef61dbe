package dev.harbor.state.reliability;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Random operations over a deliberately tiny key space (32 slots, 6 event ids, 3 payloads, 2
 * versions), so that replays, conflicts, stale expectations and overwrites happen all the time.
 */
final class Ops {

  private Ops() {}

  static final List<String> TENANTS = List.of("t1", "t2");
  static final List<String> USERS = List.of("u1", "u2");
  static final List<String> RUNS = List.of("", "r1");
  static final List<String> KINDS = List.of("k.a", "k.b", "k%", "x");
  static final List<String> PREFIXES = List.of("k", "k.", "k.a", "k%", "x", "%", "K");
  static final List<String> IDS = List.of("e1", "e2", "e3", "e4", "e5", "e6");
  static final List<byte[]> PAYLOADS = List.of(new byte[0], new byte[] {1}, new byte[] {1, 2});

  /** Every session of the key space, for wiping a store between tries. */
  static List<Identity> allIdentities() {
    List<Identity> out = new ArrayList<>();
    for (String t : TENANTS) {
      for (String u : USERS) {
        out.add(new Identity(t, u, "s1"));
      }
    }
    return out;
  }

  /** One step: runs against a store and returns a comparable outcome. */
  interface Op {
    Object run(StateStore store);
  }

  record Slot(Quadruple q, String kind) {
    @Override
    public String toString() {
      return q.tenantId() + "/" + q.userId() + "/" + q.runId() + "/" + kind;
    }
  }

  record Save(StateRecord r) implements Op {
    public Object run(StateStore s) {
      s.save(r);
      return "ok";
    }
  }

  record SaveAll(List<StateRecord> rs) implements Op {
    public Object run(StateStore s) {
      s.saveAll(rs);
      return "ok";
    }
  }

  record SaveIf(List<SlotExpectation> es, StateRecord next) implements Op {
    public Object run(StateStore s) {
      s.saveIf(es, next);
      return "ok";
    }
  }

  record SaveBatchIf(List<SlotExpectation> es, List<StateRecord> writes) implements Op {
    public Object run(StateStore s) {
      s.saveBatchIf(es, writes);
      return "ok";
    }
  }

  record DeleteIf(SlotExpectation e) implements Op {
    public Object run(StateStore s) {
      return s.deleteIf(e);
    }
  }

  record FenceIf(SlotExpectation e, boolean actionThrows) implements Op {
    public Object run(StateStore s) {
      int[] ran = {0};
      try {
        s.fenceIf(
            e,
            () -> {
              ran[0]++;
              if (actionThrows) {
                throw new IllegalStateException("action failed");
              }
            });
      } catch (IllegalStateException expected) {
        return "action threw, ran " + ran[0];
      }
      return "ran " + ran[0];
    }
  }

  record Find(Slot slot) implements Op {
    public Object run(StateStore s) {
      return s.find(slot.q(), slot.kind());
    }
  }

  record Load(Slot slot) implements Op {
    public Object run(StateStore s) {
      return s.load(slot.q(), slot.kind());
    }
  }

  record FindByEventId(String id) implements Op {
    public Object run(StateStore s) {
      return s.findByEventId(EventId.of(id));
    }
  }

  record LoadByEventId(String id) implements Op {
    public Object run(StateStore s) {
      return s.loadByEventId(EventId.of(id));
    }
  }

  record FindByEventIdOfTenant(String tenant, String id) implements Op {
    public Object run(StateStore s) {
      return s.findByEventId(tenant, EventId.of(id));
    }
  }

  record LoadByEventIdOfTenant(String tenant, String id) implements Op {
    public Object run(StateStore s) {
      return s.loadByEventId(tenant, EventId.of(id));
    }
  }

  record Delete(Slot slot) implements Op {
    public Object run(StateStore s) {
      s.delete(slot.q(), slot.kind());
      return "ok";
    }
  }

  record DeleteScope(Identity identity) implements Op {
    public Object run(StateStore s) {
      return s.deleteScope(identity);
    }
  }

  record ListKind(String prefix) implements Op {
    public Object run(StateStore s) {
      // Unordered by contract: compare in slot order.
      return s.listKind(ListScope.MAINTENANCE, prefix).stream()
          .sorted(ModelStore.SLOT_ORDER)
          .toList();
    }
  }

  record ListKindBounded(String prefix, int limit) implements Op {
    public Object run(StateStore s) {
      return s.listKind(ListScope.MAINTENANCE, prefix, limit);
    }
  }

  record ListForIdentity(Quadruple q, String prefix, Optional<Integer> limit) implements Op {
    public Object run(StateStore s) {
      return limit.isPresent()
          ? s.listKindForIdentity(q, prefix, limit.get())
          : s.listKindForIdentity(q, prefix);
    }
  }

  /**
   * Follows continuations to the end; continuations are compared too, since every driver shares the
   * codec.
   */
  record ScanAll(String tenant, String prefix, int limit) implements Op {
    public Object run(StateStore s) {
      List<ScanPage> pages = new ArrayList<>();
      String continuation = "";
      do {
        ScanPage page =
            s.scanKindForTenant(ListScope.MAINTENANCE, tenant, prefix, limit, continuation);
        pages.add(page);
        continuation = page.continuation();
      } while (!continuation.isEmpty() && pages.size() < 100);
      return pages;
    }
  }

  /** The whole store, page by page. */
  record ScanEverything(int limit) implements Op {
    public Object run(StateStore s) {
      List<ScanPage> pages = new ArrayList<>();
      String continuation = "";
      do {
        ScanPage page = s.scanAll(ListScope.MAINTENANCE, limit, continuation);
        pages.add(page);
        continuation = page.continuation();
      } while (!continuation.isEmpty() && pages.size() < 100);
      return pages;
    }
  }

  // ---- generators: plain functions of a seeded Random, so a failure reproduces from its seed ----

  private static <T> T pick(Random r, List<T> from) {
    return from.get(r.nextInt(from.size()));
  }

  static Slot slot(Random r) {
    return new Slot(
        new Quadruple(pick(r, TENANTS), pick(r, USERS), "s1", pick(r, RUNS)), pick(r, KINDS));
  }

  static StateRecord recordAt(Random r, Slot slot) {
    return new StateRecord(
        EventId.of(pick(r, IDS)), slot.q(), slot.kind(), r.nextInt(2), pick(r, PAYLOADS), null);
  }

  static SlotExpectation expectationAt(Random r, Slot slot) {
    return new SlotExpectation(
        slot.q(), slot.kind(), r.nextInt(10) < 3 ? null : EventId.of(pick(r, IDS)));
  }

  private static List<Slot> slots(Random r, int max) {
    List<Slot> out = new ArrayList<>();
    int n = 1 + r.nextInt(max);
    for (int i = 0; i < n; i++) {
      out.add(slot(r));
    }
    return out;
  }

  /** One random operation; weights favour writes and conditional writes. */
  static Op op(Random r) {
    int roll = r.nextInt(47);
    if (roll < 8) {
      return new Save(recordAt(r, slot(r)));
    } else if (roll < 11) {
      List<StateRecord> batch = new ArrayList<>();
      for (int i = r.nextInt(4); i > 0; i--) {
        batch.add(recordAt(r, slot(r)));
      }
      return new SaveAll(batch);
    } else if (roll < 17) {
      List<Slot> slots = slots(r, 2);
      return new SaveIf(
          slots.stream().map(s -> expectationAt(r, s)).toList(), recordAt(r, slots.get(0)));
    } else if (roll < 20) {
      List<Slot> slots = slots(r, 3);
      return new SaveBatchIf(
          slots.stream().map(s -> expectationAt(r, s)).toList(),
          slots.subList(0, Math.min(2, slots.size())).stream().map(s -> recordAt(r, s)).toList());
    } else if (roll < 23) {
      return new DeleteIf(expectationAt(r, slot(r)));
    } else if (roll < 25) {
      return new FenceIf(expectationAt(r, slot(r)), r.nextBoolean());
    } else if (roll < 28) {
      return new Find(slot(r));
    } else if (roll < 29) {
      return new Load(slot(r));
    } else if (roll < 31) {
      return new FindByEventId(pick(r, IDS));
    } else if (roll < 32) {
      return new LoadByEventId(pick(r, IDS));
    } else if (roll < 34) {
      return new Delete(slot(r));
    } else if (roll < 35) {
      return new DeleteScope(pick(r, allIdentities()));
    } else if (roll < 36) {
      return new ListKind(pick(r, PREFIXES));
    } else if (roll < 38) {
      return new ListKindBounded(pick(r, PREFIXES), 1 + r.nextInt(5));
    } else if (roll < 40) {
      return new ListForIdentity(
          slot(r).q(),
          pick(r, PREFIXES),
          r.nextBoolean() ? Optional.empty() : Optional.of(1 + r.nextInt(3)));
    } else if (roll < 42) {
      return new ScanAll(pick(r, TENANTS), pick(r, PREFIXES), 1 + r.nextInt(3));
    } else if (roll < 44) {
      return new ScanEverything(1 + r.nextInt(7));
    } else if (roll < 45) {
      return new FindByEventIdOfTenant(pick(r, TENANTS), pick(r, IDS));
    } else if (roll < 46) {
      return new LoadByEventIdOfTenant(pick(r, TENANTS), pick(r, IDS));
    } else {
      return new Save(recordAt(r, slot(r)));
    }
  }

  /**
   * A random sequence of 1..maxLength operations. One step in five repeats an earlier step, as a
   * caller retrying after a failure would, so idempotent replays and their conflicts are frequent.
   */
  static List<Op> sequence(Random r, int maxLength) {
    List<Op> ops = new ArrayList<>();
    for (int i = 1 + r.nextInt(maxLength); i > 0; i--) {
      ops.add(!ops.isEmpty() && r.nextInt(5) == 0 ? pick(r, ops) : op(r));
    }
    return ops;
  }
}
