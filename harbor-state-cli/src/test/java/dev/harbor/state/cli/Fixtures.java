package dev.harbor.state.cli;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A varied set of records: binary and empty payloads, awkward strings, extreme versions, explicit
 * timestamps.
 */
final class Fixtures {

  static final List<String> KINDS =
      List.of(
          "session.lifecycle",
          "task.checkpoint",
          "%_\\*?",
          "ключ",
          "é",
          " space",
          "\u0001ctrl",
          "\"quoted\"",
          "\u2028sep",
          "Task.Checkpoint",
          "z\uD834\uDD1Ez");
  static final List<String> TENANTS =
      List.of("acme", "globex", "tenant-ü", "\uD834\uDD1E-tenant", "a%b");

  private Fixtures() {}

  static List<StateRecord> records(int perTenant) {
    Random random = new Random(42);
    List<StateRecord> out = new ArrayList<>();
    int n = 0;
    for (String tenant : TENANTS) {
      for (int i = 0; i < perTenant; i++) {
        Quadruple q =
            new Quadruple(
                tenant, "user-" + (i % 7), "session-" + (i % 3), i % 2 == 0 ? "" : "run-" + i);
        String kind = KINDS.get(i % KINDS.size()) + (i / KINDS.size() == 0 ? "" : "." + i);
        byte[] bytes = new byte[i % 5 == 0 ? 0 : random.nextInt(600)];
        random.nextBytes(bytes);
        long version =
            switch (i % 4) {
              case 0 -> 0L;
              case 1 -> Long.MAX_VALUE;
              case 2 -> Long.MIN_VALUE;
              default -> i;
            };
        Instant at =
            i % 3 == 0 ? null : Instant.parse("2021-03-04T05:06:07.123456Z").plusSeconds(n * 37L);
        out.add(new StateRecord(EventId.of("ev-" + tenant + "-" + i), q, kind, version, bytes, at));
        n++;
      }
    }
    return out;
  }

  /**
   * Every record of {@code store} that has one of the fixtures' slots, read back through the API.
   */
  static List<StateRecord> readBack(StateStore store, List<StateRecord> expected) {
    List<StateRecord> out = new ArrayList<>();
    for (StateRecord r : expected) {
      store.find(r.identity(), r.kind()).ifPresent(out::add);
    }
    return out;
  }

  /** How many records the store holds under the fixtures' kinds. */
  static int count(StateStore store) {
    int n = 0;
    for (String prefix :
        RecordSource.normalize(KINDS.stream().map(k -> k.substring(0, 1)).toList())) {
      n += store.listKind(ListScope.MAINTENANCE, prefix).size();
    }
    return n;
  }
}
