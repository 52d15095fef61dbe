package dev.harbor.state.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CONTRACT.md 3.8 and 4.11: every driver writes and accepts the same continuation strings, so a
 * scan begun on one driver goes on, page by page, on another holding the same data. Each page here
 * is read from the next driver in turn, with the continuation the previous driver returned.
 */
class ContinuationsAcrossDriversTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-06T10:00:00.123456Z"), ZoneOffset.UTC);

  /**
   * Strings whose UTF-16 and UTF-8 orders differ (U+FF21 sorts after U+1F600 in UTF-16, before it
   * in UTF-8), a prefix of another, and two-byte letters, so that the keys of a continuation follow
   * the byte order every driver shares.
   */
  private static final List<String> PARTS = List.of("a", "ab", "é", "\uFF21", "\uD83D\uDE00", "z");

  private static final List<StoreUnderTest> UNDER_TEST = new ArrayList<>();
  private static final Map<String, StateStore> STORES = new LinkedHashMap<>();

  @BeforeAll
  static void openEveryDriverWithTheSameRecords() {
    UNDER_TEST.add(Drivers.inmem(Map.of()));
    UNDER_TEST.add(Drivers.sqlite(Map.of()));
    UNDER_TEST.add(Drivers.postgres(Map.of()));
    List<StateRecord> records = new ArrayList<>();
    int n = 0;
    for (String tenant : List.of("t1", "t2")) {
      for (String user : PARTS) {
        for (String kind : PARTS) {
          n++;
          records.add(
              StateRecord.of(
                  new EventId("e" + n),
                  new Quadruple(tenant, user, "s", n % 2 == 0 ? "" : "r"),
                  "task." + kind,
                  ("payload " + n).getBytes(StandardCharsets.UTF_8)));
        }
      }
    }
    for (StoreUnderTest driver : UNDER_TEST) {
      StateStore store = driver.open(CLOCK);
      store.saveAll(records);
      STORES.put(store.driverName(), store);
    }
    assertThat(STORES).containsOnlyKeys("inmem", "sqlite", "postgres");
  }

  @AfterAll
  static void closeAndRemove() {
    STORES.values().forEach(StateStore::close);
    UNDER_TEST.forEach(StoreUnderTest::close);
  }

  @Test
  void scanKindForTenant_continuesOnAnotherDriver_pageForPage() {
    assertEveryDriverTakesOverTheScan(
        (store, continuation) ->
            store.scanKindForTenant(ListScope.MAINTENANCE, "t2", "task.", 4, continuation));
  }

  @Test
  void scanAll_continuesOnAnotherDriver_pageForPage() {
    assertEveryDriverTakesOverTheScan(
        (store, continuation) -> store.scanAll(ListScope.MAINTENANCE, 5, continuation));
  }

  /**
   * For each driver as the one that starts, the scan handed round the drivers page by page returns
   * what the starting driver alone returns, and the same continuations.
   */
  private static void assertEveryDriverTakesOverTheScan(
      BiFunction<StateStore, String, ScanPage> page) {
    List<StateStore> drivers = new ArrayList<>(STORES.values());
    for (int first = 0; first < drivers.size(); first++) {
      StateStore starter = drivers.get(first);
      List<StateStore> inTurn = new ArrayList<>(drivers);
      Collections.rotate(inTurn, -first);
      List<String> alone = new ArrayList<>();
      List<String> handedOn = new ArrayList<>();
      List<String> aloneTokens = scan(List.of(starter), page, alone);
      List<String> handedOnTokens = scan(inTurn, page, handedOn);
      assertThat(alone).as("a scan started on %s", starter.driverName()).hasSizeGreaterThan(8);
      assertThat(handedOn).as("started on %s", starter.driverName()).isEqualTo(alone);
      assertThat(handedOnTokens).isEqualTo(aloneTokens);
    }
  }

  /**
   * Pages through a scan, each page from the next of {@code inTurn} (round and round), collecting
   * the records into {@code into}; returns the continuations in order.
   */
  private static List<String> scan(
      List<StateStore> inTurn, BiFunction<StateStore, String, ScanPage> page, List<String> into) {
    List<String> tokens = new ArrayList<>();
    String continuation = "";
    int turn = 0;
    do {
      ScanPage p = page.apply(inTurn.get(turn++ % inTurn.size()), continuation);
      p.records().forEach(r -> into.add(describe(r)));
      continuation = p.continuation();
      tokens.add(continuation);
    } while (!continuation.isEmpty());
    return tokens;
  }

  private static String describe(StateRecord r) {
    return r.identity() + " " + r.kind() + " " + r.id().value() + " " + r.updatedAt();
  }
}
