package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** How {@link RecordSource} sizes its pages, and that pages of any size visit every record once. */
class RecordSourceTest {

  private static final long MIB = 1L << 20;
  private static final long DEFAULT = Batcher.DEFAULT_BYTES;

  private static long cost(long payload) {
    return payload + Batcher.RECORD_OVERHEAD;
  }

  @Nested
  class NextLimit {

    @Test
    void smallRecords_doubleThePageUpToTheMaximum() {
      List<Integer> limits = new ArrayList<>();
      int limit = RecordSource.FIRST_PAGE;
      for (int i = 0; i < 12; i++) {
        limits.add(limit);
        limit = RecordSource.nextLimit(limit, cost(100), DEFAULT);
      }
      assertThat(limits).containsExactly(1, 2, 4, 8, 16, 32, 64, 128, 256, 256, 256, 256);
    }

    @Test
    void recordsNearTheDefaultPayloadLimit_comeOneAPage() {
      // A page of one reads two rows (the driver's look-ahead): 2 x 16 MiB fit 32 MiB, 3 would not.
      assertThat(RecordSource.nextLimit(1, cost(16 * MIB), DEFAULT)).isEqualTo(1);
      assertThat(RecordSource.nextLimit(1, cost(12 * MIB), DEFAULT)).isEqualTo(1);
      assertThat(RecordSource.nextLimit(4, cost(8 * MIB), DEFAULT)).isEqualTo(2);
    }

    @Test
    void aLargeRecord_shrinksTheNextPageAtOnce() {
      assertThat(RecordSource.nextLimit(256, cost(MIB), DEFAULT)).isEqualTo(30);
      assertThat(RecordSource.nextLimit(256, cost(DEFAULT), DEFAULT)).isEqualTo(1);
      assertThat(RecordSource.nextLimit(256, cost(200 * MIB), DEFAULT)).isEqualTo(1);
    }

    @Test
    void aTinyBudget_stillReadsOneRecordAPage() {
      assertThat(RecordSource.nextLimit(1, cost(0), 1)).isEqualTo(1);
    }

    @Test
    void everyNextPage_fitsTheBudgetWithItsLookAheadRow_unlessItIsOneRecord() {
      for (long budget : new long[] {1, 64 * 1024, DEFAULT, Batcher.MAX_BYTES}) {
        for (int limit = 1; limit <= RecordSource.MAX_PAGE; limit++) {
          for (long payload = 0; payload <= 32 * MIB; payload = payload * 3 + 1) {
            int next = RecordSource.nextLimit(limit, cost(payload), budget);
            assertThat(next).isBetween(1, Math.min(2 * limit, RecordSource.MAX_PAGE));
            if (next > 1) {
              assertThat((next + 1) * cost(payload)).isLessThanOrEqualTo(budget);
            }
          }
        }
      }
    }
  }

  /**
   * Scans of a store whose record sizes change along the scan: small, then large, then small again,
   * in one tenant between two others, so the tenant filter has something to skip and something to
   * stop at. Kinds {@code a.0000} to {@code b.0699} keep each tenant's scan order the order of
   * saving.
   */
  @Nested
  class Scans {

    private static final int PAYLOAD_SMALL = 100;
    private static final int PAYLOAD_LARGE = 20_000;

    /** Five large records fit: a page of four and its look-ahead row. */
    private static final long BUDGET = 5 * cost(PAYLOAD_LARGE);

    private final StateStore store = StateStores.open("inmem:");
    private final List<Integer> limits = new ArrayList<>();
    private final List<Long> largest = new ArrayList<>();

    /** The records of tenant {@code acme}, in scan order. */
    private final List<EventId> acme = new ArrayList<>();

    Scans() {
      for (String tenant : List.of("a", "acme", "b")) {
        for (int i = 0; i < 700; i++) {
          int payload = i >= 300 && i < 320 ? PAYLOAD_LARGE : PAYLOAD_SMALL;
          StateRecord r =
              StateRecord.of(
                  EventId.of(tenant + "-" + i),
                  new Quadruple(tenant, "u", "s", ""),
                  String.format("%s.%04d", i < 350 ? "a" : "b", i),
                  new byte[payload]);
          store.save(r);
          if (tenant.equals("acme")) {
            acme.add(r.id());
          }
        }
      }
    }

    @AfterEach
    void close() {
      store.close();
    }

    /** The store, noting each page's limit and the cost of its largest record. */
    private StateStore observed() {
      return (StateStore)
          Proxy.newProxyInstance(
              StateStore.class.getClassLoader(),
              new Class<?>[] {StateStore.class},
              (proxy, method, args) -> {
                Object result;
                try {
                  result = method.invoke(store, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
                if (result instanceof ScanPage page) {
                  limits.add((Integer) args[method.getName().equals("scanAll") ? 1 : 3]);
                  largest.add(page.records().stream().mapToLong(Batcher::cost).max().orElse(0));
                }
                return result;
              });
    }

    private List<EventId> read(String tenant, List<String> prefixes) throws Exception {
      List<EventId> ids = new ArrayList<>();
      RecordSource.of(observed(), tenant, prefixes, BUDGET).forEach(r -> ids.add(r.id()));
      return ids;
    }

    /**
     * Every scan started small, grew at most twofold a page, shrank after a large record and grew
     * back.
     */
    private void assertPagesAdapted() {
      assertThat(limits.get(0)).isEqualTo(RecordSource.FIRST_PAGE);
      assertThat(limits).allMatch(l -> l >= 1 && l <= RecordSource.MAX_PAGE);
      // Small records fill the budget (fifty a page) before and after the large ones.
      int small = RecordSource.nextLimit(RecordSource.MAX_PAGE, cost(PAYLOAD_SMALL), BUDGET);
      assertThat(limits).containsSubsequence(small, 4, small);
      for (int i = 1; i < limits.size(); i++) {
        assertThat(limits.get(i)).isLessThanOrEqualTo(2 * limits.get(i - 1));
        if (largest.get(i - 1) >= cost(PAYLOAD_LARGE)) {
          assertThat(limits.get(i)).as("page after a large record").isLessThanOrEqualTo(4);
        }
      }
    }

    @Test
    void scanAll_visitsEveryRecordOnceInOrder() throws Exception {
      List<EventId> ids = read(null, List.of());
      assertThat(ids).hasSize(3 * 700);
      assertThat(ids.subList(700, 1400)).containsExactlyElementsOf(acme);
      assertThat(ids).doesNotHaveDuplicates();
      assertPagesAdapted();
    }

    @Test
    void scanAll_withATenant_visitsThatTenantsRecordsOnceInOrder() throws Exception {
      assertThat(read("acme", List.of())).containsExactlyElementsOf(acme);
      assertPagesAdapted();
    }

    @Test
    void scanKindForTenant_visitsEveryRecordOfEachPrefixOnceInOrder() throws Exception {
      // Prefixes are scanned in UTF-8 order whatever order they are given in.
      assertThat(read("acme", List.of("b.", "a."))).containsExactlyElementsOf(acme);
      assertPagesAdapted();
      assertThat(limits.stream().filter(l -> l == RecordSource.FIRST_PAGE).count())
          .as("each prefix starts with a small page")
          .isGreaterThanOrEqualTo(2);
    }
  }
}
