package dev.harbor.state.cli;

import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import java.io.PrintStream;

/**
 * How commands print records: one JSON object per line with {@code --json}, else one readable line.
 */
final class Records {

  private Records() {}

  static void print(PrintStream out, StateRecord r, boolean json) {
    out.println(json ? RecordJson.write(r) : text(r));
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
