package dev.harbor.state.cli;

import dev.harbor.state.EventId;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStoreException;
import dev.harbor.state.spi.StoreGuard;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes records with {@code saveAll} in batches. Each batch is atomic and idempotent, so a re-run
 * of the same input is a no-op and a failure leaves earlier batches applied and nothing of the
 * failing one. A record whose slot or event id is already in the pending batch flushes it first (a
 * batch may not repeat either), which gives a stream "last one wins" semantics.
 */
final class Batcher {

  /**
   * Validation without a store: the API's own rules, so a bad line is named before anything is
   * written.
   */
  private static final StoreGuard GUARD =
      new StoreGuard("harbor-state", Integer.MAX_VALUE, Clock.systemUTC());

  private final StateStore store;
  private final int size;
  private final List<StateRecord> batch = new ArrayList<>();
  private final Set<List<String>> slots = new HashSet<>();
  private final Set<EventId> ids = new HashSet<>();
  private long firstLine;
  private long lastLine;
  private long written;

  Batcher(StateStore store, int size) {
    if (size < 1 || size > 10_000) {
      throw new ExitCodes.InvalidInputException("--batch-size must be 1..10000, not " + size);
    }
    this.store = store;
    this.size = size;
  }

  /** Checks a record against the API's validation rules; the failure names the line. */
  static void validate(StateRecord r, long line) {
    try {
      GUARD.save(r);
    } catch (StateStoreException e) {
      throw new ExitCodes.LocatedException("line " + line, e);
    }
  }

  /**
   * Adds a record, writing the pending batch first if needed.
   *
   * @param r the record
   * @param line its line number (or ordinal) for messages
   */
  void add(StateRecord r, long line) {
    List<String> slot =
        List.of(
            r.identity().tenantId(),
            r.identity().userId(),
            r.identity().sessionId(),
            r.identity().runId(),
            r.kind());
    if (slots.contains(slot) || ids.contains(r.id())) {
      flush();
    }
    if (batch.isEmpty()) {
      firstLine = line;
    }
    lastLine = line;
    batch.add(r);
    slots.add(slot);
    ids.add(r.id());
    if (batch.size() >= size) {
      flush();
    }
  }

  /** Writes the pending batch, if any. */
  void flush() {
    if (batch.isEmpty()) {
      return;
    }
    try {
      store.saveAll(List.copyOf(batch));
    } catch (StateStoreException e) {
      String where =
          firstLine == lastLine ? "line " + firstLine : "lines " + firstLine + "-" + lastLine;
      throw new ExitCodes.LocatedException(where + " (batch not written)", e);
    }
    written += batch.size();
    batch.clear();
    slots.clear();
    ids.clear();
  }

  /**
   * Records written so far (re-applied identical records count too: they are no-ops in the store).
   */
  long written() {
    return written;
  }
}
