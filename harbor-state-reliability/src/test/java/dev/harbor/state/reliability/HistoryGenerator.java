package dev.harbor.state.reliability;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random calls over a key space small enough that they collide all the time: per tenant one user,
 * two sessions, two runs (the empty run among them) and two kinds, so eight slots; event ids drawn
 * mostly from a pool of eight per tenant, so replays, conflicts and matching expectations are
 * frequent. Event ids never cross tenants, so each tenant can be checked on its own.
 *
 * <p>The calls depend only on the seed, not on what the store answered, so a second process can
 * generate the same calls from the same seed. Every record carries an explicit {@code updatedAt}
 * (whole seconds), so the model knows exactly what a store returns.
 */
final class HistoryGenerator {

  private static final List<String> SESSIONS = List.of("s1", "s2");
  private static final List<String> RUNS = List.of("", "r");
  private static final List<String> KINDS = List.of("k.a", "k.b");
  private static final int POOL = 8;
  private static final Instant EPOCH = Instant.parse("2030-01-01T00:00:00Z");

  private final Random random;
  private final List<String> tenants;
  private final String process;
  private final List<String> sideLog;
  private int fresh;

  /**
   * A generator for one client.
   *
   * @param seed the seed
   * @param tenants the tenants the client works in
   * @param process a name unique to the client, for its fresh event ids
   * @param sideLog where fenced actions write
   */
  HistoryGenerator(long seed, List<String> tenants, String process, List<String> sideLog) {
    this.random = new Random(seed);
    this.tenants = List.copyOf(tenants);
    this.process = process;
    this.sideLog = sideLog;
  }

  /** The next call. */
  History.Call next() {
    String tenant = tenants.get(random.nextInt(tenants.size()));
    int dice = random.nextInt(100);
    if (dice < 24) {
      return new History.Save(record(tenant, slot(tenant)));
    }
    if (dice < 32) {
      return new History.SaveAll(records(tenant, 2 + random.nextInt(2)));
    }
    if (dice < 44) {
      Slot target = slot(tenant);
      List<SlotExpectation> expectations = new ArrayList<>();
      expectations.add(expectation(tenant, target));
      if (random.nextBoolean()) {
        Slot other = slot(tenant);
        if (!other.equals(target)) {
          expectations.add(expectation(tenant, other));
        }
      }
      java.util.Collections.shuffle(expectations, random);
      return new History.SaveIf(expectations, record(tenant, target));
    }
    if (dice < 49) {
      List<StateRecord> writes = records(tenant, 2);
      List<SlotExpectation> expectations = new ArrayList<>();
      for (StateRecord w : writes) {
        expectations.add(expectation(tenant, new Slot(w.identity(), w.kind())));
      }
      return new History.SaveBatchIf(expectations, writes);
    }
    if (dice < 56) {
      Slot s = slot(tenant);
      return new History.DeleteIf(SlotExpectation.exact(s.identity(), s.kind(), pooledId(tenant)));
    }
    if (dice < 60) {
      Slot s = slot(tenant);
      return new History.Delete(s.identity(), s.kind());
    }
    if (dice < 63) {
      return new History.DeleteScope(identity(tenant));
    }
    if (dice < 80) {
      Slot s = slot(tenant);
      return new History.Find(s.identity(), s.kind());
    }
    if (dice < 90) {
      return new History.FindByEventId(tenant, pooledId(tenant));
    }
    if (dice < 96) {
      return new History.ListForIdentity(slot(tenant).identity(), "k.");
    }
    Slot s = slot(tenant);
    return new History.FenceIf(
        SlotExpectation.exact(s.identity(), s.kind(), pooledId(tenant)), sideLog);
  }

  private record Slot(Quadruple identity, String kind) {}

  private Identity identity(String tenant) {
    return new Identity(tenant, "u", SESSIONS.get(random.nextInt(SESSIONS.size())));
  }

  private Slot slot(String tenant) {
    return new Slot(
        identity(tenant).run(RUNS.get(random.nextInt(RUNS.size()))),
        KINDS.get(random.nextInt(KINDS.size())));
  }

  private EventId pooledId(String tenant) {
    return EventId.of(tenant + "-e" + random.nextInt(POOL));
  }

  private SlotExpectation expectation(String tenant, Slot slot) {
    return random.nextInt(4) == 0
        ? SlotExpectation.absent(slot.identity(), slot.kind())
        : SlotExpectation.exact(slot.identity(), slot.kind(), pooledId(tenant));
  }

  /**
   * A record at a slot: mostly a pooled id with the content that id usually carries (so a repeat is
   * a replay), sometimes other content or version (a conflict), sometimes a fresh id.
   */
  private StateRecord record(String tenant, Slot slot) {
    EventId id =
        random.nextInt(10) < 3
            ? EventId.of(tenant + "-" + process + "-" + fresh++)
            : pooledId(tenant);
    String content = id.value() + (random.nextInt(8) == 0 ? "'" : "");
    return new StateRecord(
        id,
        slot.identity(),
        slot.kind(),
        random.nextInt(8) == 0 ? 1 : 0,
        content.getBytes(StandardCharsets.UTF_8),
        EPOCH.plusSeconds(random.nextInt(1000)));
  }

  /** Records of distinct slots and distinct event ids, as a batch must have. */
  private List<StateRecord> records(String tenant, int n) {
    Map<Slot, StateRecord> bySlot = new LinkedHashMap<>();
    List<EventId> ids = new ArrayList<>();
    for (int i = 0; i < n * 4 && bySlot.size() < n; i++) {
      Slot s = slot(tenant);
      StateRecord r = record(tenant, s);
      if (!bySlot.containsKey(s) && !ids.contains(r.id())) {
        bySlot.put(s, r);
        ids.add(r.id());
      }
    }
    return List.copyOf(bySlot.values());
  }
}
