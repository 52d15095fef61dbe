package dev.harbor.state.cli;

import dev.harbor.state.ListScope;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every record of a store (optionally of one tenant, optionally of some kind prefixes), streamed in a deterministic
 * order: tenant, then prefix, then the scan order (user, session, run, kind), all in UTF-8 byte order. Two stores with
 * the same content therefore stream the same sequence, which is what {@code copy} digests.
 *
 * <p>Why it is built this way, over the public API only:
 *
 * <ul>
 *   <li>Every listing needs a non-empty kind prefix, and nothing lists kinds. Without {@code --prefix}, the first
 *       characters of kinds are discovered by probing each character of the Basic Multilingual Plane with
 *       {@code listKind(MAINTENANCE, c, 1)} (or a one-row tenant scan): complete for every kind whose first character
 *       is in the BMP; a kind starting with a supplementary character (an emoji, say) needs an explicit prefix.
 *   <li>Records are read with {@code scanKindForTenant}, keyset pages of {@value #PAGE}: memory per page is bounded.
 *       Nothing enumerates tenants, though, so without {@code --tenant} the tenants of each prefix are discovered
 *       with the unbounded {@code listKind(MAINTENANCE, prefix)}; only the tenant names are kept, but that one list
 *       holds every record of the prefix while it is read. (A bounded cross-tenant keyset scan in the API would remove
 *       this; see the module's report.)
 * </ul>
 */
final class RecordSource {

  /** The scan page size: the largest the API allows. */
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
   * A source over the given prefixes, or over every discoverable kind when none is given.
   *
   * @param store the store to read
   * @param tenant one tenant, or {@code null} for all
   * @param prefixes kind prefixes; empty means all kinds
   * @param io where discovery shows its progress
   * @return the source
   */
  static RecordSource of(StateStore store, String tenant, List<String> prefixes, Io io) {
    List<String> resolved = prefixes.isEmpty() ? discoverPrefixes(store, tenant, io) : normalize(prefixes);
    return new RecordSource(store, tenant, resolved);
  }

  /** The same tenant filter and prefixes, over another store: how {@code copy} reads its target back. */
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
    if (tenant != null) {
      for (String prefix : prefixes) {
        scan(tenant, prefix, sink);
      }
      return;
    }
    Map<String, SortedSet<String>> prefixesByTenant = new TreeMap<>(Utf8Order.COMPARATOR);
    for (String prefix : prefixes) {
      for (StateRecord r : store.listKind(ListScope.MAINTENANCE, prefix)) {
        prefixesByTenant.computeIfAbsent(r.identity().tenantId(), t -> new TreeSet<>(Utf8Order.COMPARATOR))
            .add(prefix);
      }
    }
    for (Map.Entry<String, SortedSet<String>> e : prefixesByTenant.entrySet()) {
      for (String prefix : e.getValue()) {
        scan(e.getKey(), prefix, sink);
      }
    }
  }

  private void scan(String tenantId, String prefix, Sink sink) throws IOException {
    String continuation = "";
    do {
      ScanPage page = store.scanKindForTenant(ListScope.MAINTENANCE, tenantId, prefix, PAGE, continuation);
      for (StateRecord r : page.records()) {
        sink.accept(r);
      }
      continuation = page.continuation();
    } while (!continuation.isEmpty());
  }

  /** Sorted, without duplicates, and without any prefix that another listed prefix already covers. */
  static List<String> normalize(List<String> prefixes) {
    SortedSet<String> sorted = new TreeSet<>(Utf8Order.COMPARATOR);
    sorted.addAll(prefixes);
    List<String> out = new ArrayList<>();
    for (String p : sorted) {
      // Sorted order puts a covering prefix right before the prefixes it covers.
      if (out.isEmpty() || !p.startsWith(out.get(out.size() - 1)) || out.get(out.size() - 1).isEmpty()) {
        out.add(p);
      }
    }
    return out;
  }

  private static List<String> discoverPrefixes(StateStore store, String tenant, Io io) {
    List<String> found = new ArrayList<>();
    try (Progress progress = new Progress(io, "discovering kinds", "characters probed")) {
      for (int c = 1; c <= 0xFFFF; c++) {
        if (Character.isSurrogate((char) c)) {
          continue;
        }
        String prefix = String.valueOf((char) c);
        boolean present = tenant == null
            ? !store.listKind(ListScope.MAINTENANCE, prefix, 1).isEmpty()
            : !store.scanKindForTenant(ListScope.MAINTENANCE, tenant, prefix, 1, "").records().isEmpty();
        if (present) {
          found.add(prefix);
        }
        progress.add(1);
      }
    }
    return found;
  }
}
