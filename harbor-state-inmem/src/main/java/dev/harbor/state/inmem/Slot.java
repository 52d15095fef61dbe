package dev.harbor.state.inmem;

import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import java.util.Comparator;

/**
 * A slot: the key of the store's slot map and the order of its sorted slot map.
 *
 * @param identity the slot's quadruple
 * @param kind the slot's kind
 */
record Slot(Quadruple identity, String kind) {

  /**
   * By (tenant, user, session, run, kind), each compared as UTF-8 bytes: the order every listing
   * and scan returns, so each is a walk over one range of the sorted map. The slots of one
   * quadruple, of one session and of one tenant are each a contiguous range, and so are the kinds
   * of one quadruple that start with a prefix (the first of them is the prefix itself).
   */
  static final Comparator<Slot> ORDER =
      (a, b) -> {
        int c = Utf8Order.compare(a.identity.tenantId(), b.identity.tenantId());
        if (c == 0) c = Utf8Order.compare(a.identity.userId(), b.identity.userId());
        if (c == 0) c = Utf8Order.compare(a.identity.sessionId(), b.identity.sessionId());
        if (c == 0) c = Utf8Order.compare(a.identity.runId(), b.identity.runId());
        return c != 0 ? c : Utf8Order.compare(a.kind, b.kind);
      };

  static Slot of(StateRecord record) {
    return new Slot(record.identity(), record.kind());
  }

  static Slot of(SlotExpectation expectation) {
    return new Slot(expectation.identity(), expectation.kind());
  }

  /** The slot a tenant scan resumes after. */
  static Slot after(String tenantId, ScanContinuations.Position p) {
    return new Slot(new Quadruple(tenantId, p.userId(), p.sessionId(), p.runId()), p.kind());
  }

  /** The first slot of a tenant: empty strings sort first. */
  static Slot firstOfTenant(String tenantId) {
    return new Slot(new Quadruple(tenantId, "", "", ""), "");
  }
}
