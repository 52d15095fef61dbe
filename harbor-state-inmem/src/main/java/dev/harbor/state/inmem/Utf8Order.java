package dev.harbor.state.inmem;

import dev.harbor.state.StateRecord;
import java.util.Comparator;

/**
 * Orders strings by their UTF-8 bytes, as the SQL drivers' byte collations do. For well-formed
 * strings (the guard rejects lone surrogates) UTF-8 byte order is code point order, so no encoding
 * is needed.
 */
final class Utf8Order {

  /** Records by (user, session, run, kind): the scan order within a tenant. */
  static final Comparator<StateRecord> BY_POSITION_IN_TENANT =
      (a, b) -> {
        int c = compare(a.identity().userId(), b.identity().userId());
        if (c == 0) c = compare(a.identity().sessionId(), b.identity().sessionId());
        if (c == 0) c = compare(a.identity().runId(), b.identity().runId());
        return c != 0 ? c : compare(a.kind(), b.kind());
      };

  /** Records by (tenant, user, session, run, kind), each compared as UTF-8 bytes. */
  static final Comparator<StateRecord> BY_SLOT =
      (a, b) -> {
        int c = compare(a.identity().tenantId(), b.identity().tenantId());
        return c != 0 ? c : BY_POSITION_IN_TENANT.compare(a, b);
      };

  /** Records by kind alone, for listings within one quadruple. */
  static final Comparator<StateRecord> BY_KIND = (a, b) -> compare(a.kind(), b.kind());

  private Utf8Order() {}

  static int compare(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        // A surrogate (U+D800..U+DFFF) encodes a code point above U+FFFF, which sorts after every
        // BMP char.
        boolean xs = Character.isSurrogate(x);
        boolean ys = Character.isSurrogate(y);
        if (xs != ys) {
          return xs ? 1 : -1;
        }
        return Character.compare(x, y);
      }
    }
    return Integer.compare(a.length(), b.length());
  }
}
