package dev.harbor.state.cli;

import dev.harbor.state.ListScope;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

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
 * Both are keyset scans in pages of at most {@value #PAGE} records: memory does not grow with the
 * store.
 */
final class RecordSource {

  /** The page size of the scans. */
  static final int PAGE = 256;

  /** Receives records; may write to a stream. */
  interface Sink {
    void accept(StateRecord record) throws IOException;
  }

  private final StateStore store;
  private final String tenant;
  private final List<String> prefixes;

  private RecordSource(StateStore store, String tenant, List<String> prefixes) {
    this.store = store;
    this.tenant = tenant;
    this.prefixes = prefixes;
  }

  /**
   * A source over the given prefixes, or over every kind when none is given.
   *
   * @param store the store to read
   * @param tenant one tenant, or {@code null} for all
   * @param prefixes kind prefixes; empty means all kinds
   * @return the source
   */
  static RecordSource of(StateStore store, String tenant, List<String> prefixes) {
    return new RecordSource(store, tenant, normalize(prefixes));
  }

  /**
   * The same tenant filter and prefixes, over another store: how {@code copy} reads its target
   * back.
   */
  RecordSource over(StateStore other) {
    return new RecordSource(other, tenant, prefixes);
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
    if (tenant != null && !prefixes.isEmpty()) {
      for (String prefix : prefixes) {
        scanTenant(prefix, sink);
      }
      return;
    }
    String continuation = "";
    do {
      ScanPage page = store.scanAll(ListScope.MAINTENANCE, PAGE, continuation);
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

  private void scanTenant(String prefix, Sink sink) throws IOException {
    String continuation = "";
    do {
      ScanPage page =
          store.scanKindForTenant(ListScope.MAINTENANCE, tenant, prefix, PAGE, continuation);
      for (StateRecord r : page.records()) {
        sink.accept(r);
      }
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
