package dev.harbor.state.cli;

import dev.harbor.state.ListScope;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.Limits;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreSnapshot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Every record of a store (optionally of one tenant, optionally of some kind prefixes), streamed in
 * a deterministic order, so two stores with the same content stream the same sequence, which is
 * what {@code copy} digests.
 *
 * <ul>
 *   <li>With a tenant and prefixes: {@code scanKindForTenant} per prefix, in (user, session, run,
 *       kind) order.
 *   <li>Otherwise: {@code scanAll}, the whole store in (tenant, user, session, run, kind) order,
 *       filtered by tenant and prefixes; a tenant filter stops the scan once it has passed that
 *       tenant.
 * </ul>
 *
 * Both read one snapshot of the store ({@link StoreCore#snapshot}), opened when a read starts and
 * closed when it ends: the records of one instant, each batch whole, no event id twice, whatever is
 * written meanwhile; this is what makes an export a backup (issue 23). A store whose driver offers
 * no snapshot is read live, with a warning.
 *
 * <p>Both are keyset scans whose pages are bounded by a byte budget as well as by {@value
 * #MAX_PAGE} records: memory grows neither with the store nor with its record sizes. The API cannot
 * limit a page by bytes, so each scan sizes its pages by what it has read (see {@link #nextLimit}):
 * it starts at one record and sets each next limit to what fits the budget given the largest record
 * of the page just read, at most doubling. With the default budget of 32 MiB, records near the
 * default payload limit (16 MiB) are read one a page, where pages of 256 held 4 GiB; small records
 * soon go 256 a page again. A page that jumps from small records to large ones can still pass the
 * budget once: it holds as many large records as its limit allows.
 */
final class RecordSource {

  /**
   * The largest page: {@code scanKindForTenant}'s maximum. {@code scanAll} accepts up to 1000, but
   * 256 small records already make a query's round trip negligible.
   */
  static final int MAX_PAGE = Limits.MAX_SCAN_LIMIT;

  /**
   * The first page of a scan: nothing is known of its record sizes yet, and a page of even 16 near
   * the default {@code maxPayloadBytes} would be 256 MiB. Doubling from one costs eight extra
   * queries before pages reach {@value #MAX_PAGE}.
   */
  static final int FIRST_PAGE = 1;

  /** Receives records; may write to a stream. */
  interface Sink {
    void accept(StateRecord record) throws IOException;
  }

  /** Where a read's pages come from: one snapshot of the store, or the live store. */
  private interface Pages extends AutoCloseable {
    ScanPage scanAll(int limit, String continuation);

    ScanPage scanKindForTenant(String tenant, String prefix, int limit, String continuation);

    @Override
    void close();
  }

  private final StateStore store;
  private final String tenant;
  private final List<String> prefixes;
  private final long budget;
  private final Consumer<String> warnings;

  private RecordSource(
      StateStore store,
      String tenant,
      List<String> prefixes,
      long budget,
      Consumer<String> warnings) {
    this.store = store;
    this.tenant = tenant;
    this.prefixes = prefixes;
    this.budget = budget;
    this.warnings = warnings;
  }

  /**
   * A source over the given prefixes, or over every kind when none is given, with pages bounded by
   * the default batch budget ({@link Batcher#DEFAULT_BYTES}).
   *
   * @param store the store to read
   * @param tenant one tenant, or {@code null} for all
   * @param prefixes kind prefixes; empty means all kinds
   * @return the source
   */
  static RecordSource of(StateStore store, String tenant, List<String> prefixes) {
    return of(store, tenant, prefixes, Batcher.DEFAULT_BYTES);
  }

  /**
   * A source as {@link #of(StateStore, String, List)} with pages bounded by {@code budget} bytes,
   * measured as {@link Batcher#cost} measures batches: {@code copy} reads with its {@code
   * --batch-bytes}, so what it holds at once is about one page read plus one batch written.
   *
   * @param store the store to read
   * @param tenant one tenant, or {@code null} for all
   * @param prefixes kind prefixes; empty means all kinds
   * @param budget bytes a page should hold, at least 1 (a larger record still comes alone)
   * @return the source
   * @throws IllegalArgumentException if {@code budget} is not positive
   */
  static RecordSource of(StateStore store, String tenant, List<String> prefixes, long budget) {
    if (budget < 1) {
      throw new IllegalArgumentException("budget " + budget + " is not positive");
    }
    return new RecordSource(store, tenant, normalize(prefixes), budget, w -> {});
  }

  /**
   * The same tenant filter, prefixes and budget, over another store: how {@code copy} reads its
   * target back.
   */
  RecordSource over(StateStore other) {
    return new RecordSource(other, tenant, prefixes, budget, warnings);
  }

  /**
   * The same source, telling {@code warnings} when it cannot read a snapshot (a store of a
   * third-party driver that offers none) and reads the live store instead.
   */
  RecordSource warningTo(Consumer<String> warnings) {
    return new RecordSource(store, tenant, prefixes, budget, warnings);
  }

  /**
   * The pages of one read: a snapshot of the store ({@link StoreCore#snapshot}), so the read sees
   * one state of it however long it runs; only a store whose driver offers no snapshot is read
   * live, with a warning.
   */
  private Pages open() {
    StoreSnapshot snapshot;
    try {
      snapshot = StoreCore.snapshot(store);
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      warnings.accept(
          "the "
              + store.driverName()
              + " store offers no snapshot; reading it live, so writes made meanwhile may be"
              + " seen in part");
      return new Pages() {
        @Override
        public ScanPage scanAll(int limit, String continuation) {
          return store.scanAll(ListScope.MAINTENANCE, limit, continuation);
        }

        @Override
        public ScanPage scanKindForTenant(
            String tenant, String prefix, int limit, String continuation) {
          return store.scanKindForTenant(
              ListScope.MAINTENANCE, tenant, prefix, limit, continuation);
        }

        @Override
        public void close() {}
      };
    }
    return new Pages() {
      @Override
      public ScanPage scanAll(int limit, String continuation) {
        return snapshot.scanAll(ListScope.MAINTENANCE, limit, continuation);
      }

      @Override
      public ScanPage scanKindForTenant(
          String tenant, String prefix, int limit, String continuation) {
        return snapshot.scanKindForTenant(
            ListScope.MAINTENANCE, tenant, prefix, limit, continuation);
      }

      @Override
      public void close() {
        snapshot.close();
      }
    };
  }

  /**
   * The limit of the page after one read with {@code limit} whose largest record cost {@code
   * largest} bytes ({@link Batcher#cost}): as many records of that size as fit {@code budget}, less
   * one because the drivers read one row beyond the limit to know whether another page follows
   * (CONTRACT.md 4.11: "fetch limit + 1 to know"); at most twice {@code limit}, so a run of small
   * records earns a large page only gradually; and within 1..{@value #MAX_PAGE}.
   *
   * @param limit the limit of the page just read, 1..{@value #MAX_PAGE}
   * @param largest the cost of its largest record, at least {@link Batcher#RECORD_OVERHEAD}
   * @param budget bytes a page should hold
   * @return the next limit, 1..{@value #MAX_PAGE}
   */
  static int nextLimit(int limit, long largest, long budget) {
    long fits = budget / largest - 1;
    return (int) Math.max(1, Math.min(Math.min(fits, 2L * limit), MAX_PAGE));
  }

  /** {@link #nextLimit} after {@code page}, read with {@code limit}. */
  private int nextLimitAfter(int limit, ScanPage page) {
    long largest = Batcher.RECORD_OVERHEAD;
    for (StateRecord r : page.records()) {
      largest = Math.max(largest, Batcher.cost(r));
    }
    return nextLimit(limit, largest, budget);
  }

  List<String> prefixes() {
    return prefixes;
  }

  /**
   * Streams every record to {@code sink}.
   *
   * @param sink where records go
   * @throws IOException if the sink fails
   */
  void forEach(Sink sink) throws IOException {
    try (Pages pages = open()) {
      if (tenant != null && !prefixes.isEmpty()) {
        for (String prefix : prefixes) {
          scanTenant(pages, prefix, sink);
        }
      } else {
        scanAll(pages, sink);
      }
    }
  }

  private void scanAll(Pages pages, Sink sink) throws IOException {
    int limit = FIRST_PAGE;
    String continuation = "";
    do {
      ScanPage page = pages.scanAll(limit, continuation);
      for (StateRecord r : page.records()) {
        if (tenant != null) {
          int c = Utf8Order.COMPARATOR.compare(r.identity().tenantId(), tenant);
          if (c > 0) {
            return; // scanAll is in tenant order: nothing of this tenant follows
          } else if (c < 0) {
            continue;
          }
        }
        if (matchesPrefix(r.kind())) {
          sink.accept(r);
        }
      }
      limit = nextLimitAfter(limit, page);
      continuation = page.continuation();
    } while (!continuation.isEmpty());
  }

  private boolean matchesPrefix(String kind) {
    if (prefixes.isEmpty()) {
      return true;
    }
    for (String p : prefixes) {
      if (kind.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  private void scanTenant(Pages pages, String prefix, Sink sink) throws IOException {
    // Each prefix starts small again: its kinds may hold records of quite another size.
    int limit = FIRST_PAGE;
    String continuation = "";
    do {
      ScanPage page = pages.scanKindForTenant(tenant, prefix, limit, continuation);
      for (StateRecord r : page.records()) {
        sink.accept(r);
      }
      limit = nextLimitAfter(limit, page);
      continuation = page.continuation();
    } while (!continuation.isEmpty());
  }

  /**
   * Sorted, without duplicates, and without any prefix that another listed prefix already covers.
   */
  static List<String> normalize(List<String> prefixes) {
    SortedSet<String> sorted = new TreeSet<>(Utf8Order.COMPARATOR);
    sorted.addAll(prefixes);
    List<String> out = new ArrayList<>();
    for (String p : sorted) {
      // Sorted order puts a covering prefix right before the prefixes it covers.
      if (out.isEmpty()
          || !p.startsWith(out.get(out.size() - 1))
          || out.get(out.size() - 1).isEmpty()) {
        out.add(p);
      }
    }
    return out;
  }
}
