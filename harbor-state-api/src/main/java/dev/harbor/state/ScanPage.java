package dev.harbor.state;

import java.util.List;

/**
 * One page of {@link StateStore#scanKindForTenant} or {@link StateStore#scanAll}. Pass {@link
 * #continuation()} to the next call to get the next page; it is empty exactly when no further row
 * exists.
 *
 * @param records the page's records in scan order, unmodifiable
 * @param continuation the opaque position after the last record, or {@code ""} on the last page
 */
public record ScanPage(List<StateRecord> records, String continuation) {

  /**
   * Copies the list and normalizes a {@code null} continuation to {@code ""}.
   *
   * @param records the page's records in scan order, copied
   * @param continuation the position after the last record; {@code null} becomes {@code ""}
   */
  public ScanPage {
    records = records == null ? List.of() : List.copyOf(records);
    continuation = continuation == null ? "" : continuation;
  }

  /**
   * Whether this is the last page.
   *
   * @return {@code true} if the continuation is empty
   */
  public boolean isLast() {
    return continuation.isEmpty();
  }
}
