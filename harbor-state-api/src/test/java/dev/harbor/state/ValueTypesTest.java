package dev.harbor.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

  @Test
  void nullStrings_becomeEmpty_andConstructionNeverThrows() {
    assertThat(new Identity(null, null, null)).isEqualTo(new Identity("", "", ""));
    assertThat(new Quadruple(null, null, null, null).runId()).isEmpty();
    assertThat(EventId.of(null).value()).isEmpty();
    StateRecord r = new StateRecord(null, null, null, 0, null, null);
    assertThat(r.id().value()).isEmpty();
    assertThat(r.kind()).isEmpty();
    assertThat(r.bytes()).isEmpty();
    assertThat(new SlotExpectation(null, null, EventId.of("")).expectsAbsent()).isTrue();
    assertThat(new ScanPage(null, null).isLast()).isTrue();
  }

  @Test
  void identityHelpers() {
    Identity id = new Identity("t", "u", "s");
    assertThat(id.run("r")).isEqualTo(new Quadruple("t", "u", "s", "r"));
    assertThat(id.sessionScoped()).isEqualTo(new Quadruple("t", "u", "s", ""));
    assertThat(Quadruple.of(id, "r").identity()).isEqualTo(id);
    assertThat(id.isComplete()).isTrue();
    assertThat(new Identity("t", "", "s").isComplete()).isFalse();
  }

  @Test
  void stateRecord_copiesBytesInAndOut() {
    byte[] in = {1, 2, 3};
    StateRecord r = StateRecord.of(EventId.of("e"), new Quadruple("t", "u", "s", ""), "k", in);
    in[0] = 9;
    assertThat(r.bytes()).containsExactly(1, 2, 3);
    r.bytes()[1] = 9;
    assertThat(r.bytes()).containsExactly(1, 2, 3);
    assertThat(r.size()).isEqualTo(3);
  }

  @Test
  void stateRecord_equalityComparesContent_andNullBytesEqualEmpty() {
    Quadruple q = new Quadruple("t", "u", "s", "");
    Instant at = Instant.parse("2030-01-01T00:00:00.000001Z");
    StateRecord a = new StateRecord(EventId.of("e"), q, "k", 1, new byte[] {1}, at);
    StateRecord b = new StateRecord(EventId.of("e"), q, "k", 1, new byte[] {1}, at);
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(b.withBytes(new byte[] {2}));
    assertThat(a).isNotEqualTo(b.withUpdatedAt(null));
    assertThat(a.withBytes(null)).isEqualTo(a.withBytes(new byte[0]));
    assertThat(a.sameContent(b.withUpdatedAt(Instant.EPOCH))).isTrue();
    assertThat(a.sameContent(b.withVersion(2))).isFalse();
  }

  @Test
  void stateRecord_toStringPrintsTheLengthNotTheBytes() {
    StateRecord r =
        StateRecord.builder()
            .id("e")
            .identity(new Quadruple("t", "u", "s", ""))
            .kind("k")
            .bytes("secret-payload".getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .build();
    assertThat(r.toString()).contains("14 bytes").doesNotContain("secret").doesNotContain("[B@");
  }

  @Test
  void eventIdNewId_isA26CharacterUlid() {
    String id = EventId.newId().value();
    assertThat(id).hasSize(26).matches("[0-7][0-9A-HJKMNP-TV-Z]{25}");
  }

  @Test
  void eventIdNewId_isStrictlyIncreasingAcrossThreads() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<EventId>>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        futures.add(
            pool.submit(
                () -> {
                  List<EventId> ids = new ArrayList<>();
                  for (int i = 0; i < 20_000; i++) {
                    ids.add(EventId.newId());
                  }
                  return ids;
                }));
      }
      List<EventId> all = new ArrayList<>();
      for (Future<List<EventId>> f : futures) {
        List<EventId> ids = f.get();
        for (int i = 1; i < ids.size(); i++) {
          assertThat(ids.get(i)).isGreaterThan(ids.get(i - 1));
        }
        all.addAll(ids);
      }
      assertThat(all).doesNotHaveDuplicates();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void ulidGenerator_staysIncreasingWhenTheClockStepsBackOrTheRandomPartOverflows() {
    EventId.UlidGenerator g = new EventId.UlidGenerator();
    String a = g.next(1_000_000);
    String b = g.next(999_000); // clock went back
    String c = g.next(1_000_000);
    assertThat(List.of(a, b, c)).isSorted().doesNotHaveDuplicates();
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      many.add(g.next(5));
    }
    List<String> sorted = new ArrayList<>(many);
    Collections.sort(sorted);
    assertThat(many).isEqualTo(sorted).doesNotHaveDuplicates();
  }

  @Test
  void listScopeConstants() {
    assertThat(ListScope.MAINTENANCE.maintenanceScoped()).isTrue();
    assertThat(ListScope.NONE.maintenanceScoped()).isFalse();
  }
}
