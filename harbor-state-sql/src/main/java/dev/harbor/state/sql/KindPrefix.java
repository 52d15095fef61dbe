package dev.harbor.state.sql;

import org.jspecify.annotations.Nullable;

/**
 * The index-friendly form of a literal kind prefix match: the strings starting with {@code prefix}
 * are exactly those in {@code [prefix, successor(prefix))} under UTF-8 byte order (SQLite's BINARY
 * collation, PostgreSQL's {@code "C"}). Internal to Harbor State: not an API, no compatibility
 * promise.
 */
public final class KindPrefix {

  private KindPrefix() {}

  /**
   * The smallest string above every string that starts with {@code prefix}, in UTF-8 byte order:
   * the prefix with its last code point incremented (skipping surrogates), after dropping trailing
   * U+10FFFF. UTF-8 preserves code point order and no code point's encoding is a prefix of
   * another's, so {@code prefix <= s < successor} holds exactly for the strings {@code s} that
   * start with {@code prefix}, byte for byte: {@code %}, {@code _}, {@code \} and case have no
   * special meaning.
   *
   * @param prefix a non-empty, well-formed prefix
   * @return the bound, or {@code null} if the prefix is all U+10FFFF and no bound exists
   */
  public static @Nullable String successor(String prefix) {
    int[] cps = prefix.codePoints().toArray();
    for (int i = cps.length - 1; i >= 0; i--) {
      int next = cps[i] + 1;
      if (next >= Character.MIN_SURROGATE && next <= Character.MAX_SURROGATE) {
        next = Character.MAX_SURROGATE + 1;
      }
      if (next <= Character.MAX_CODE_POINT) {
        return new String(cps, 0, i) + Character.toString(next);
      }
    }
    return null;
  }
}
