package dev.harbor.state.cli;

import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/**
 * How commands print records: one JSON object per line with {@code --json}, else one readable line.
 */
final class Records {

  private Records() {}

  static void print(PrintStream out, StateRecord r, boolean json) {
    if (!json) {
      out.println(text(r));
      return;
    }
    try {
      RecordJson.write(out, r);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a PrintStream keeps its errors to itself: not reached
    }
    out.println();
  }

  /**
   * Prints one loaded record for {@code get} and {@code get-event}: its payload bytes exactly as
   * stored, or the whole record as JSON.
   */
  static void printPayload(PrintStream out, StateRecord r, boolean json) {
    if (json) {
      print(out, r, true);
    } else {
      out.write(r.bytes(), 0, r.size());
    }
  }

  /** {@code tenant/user/session/run kind event=… version=… bytes=… updatedAt=…}. */
  static String text(StateRecord r) {
    return slot(r.identity(), r.kind())
        + "  event="
        + r.id().value()
        + "  version="
        + r.version()
        + "  bytes="
        + r.size()
        + "  updatedAt="
        + (r.updatedAt() == null ? "-" : RecordJson.UPDATED_AT.format(r.updatedAt()));
  }

  static String slot(Quadruple q, String kind) {
    return q.tenantId() + "/" + q.userId() + "/" + q.sessionId() + "/" + q.runId() + " " + kind;
  }
}
