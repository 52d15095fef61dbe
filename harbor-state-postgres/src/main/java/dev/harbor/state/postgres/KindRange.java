package dev.harbor.state.postgres;

/**
 * The half-open range {@code [prefix, upper)} that holds exactly the strings starting with {@code prefix}, under
 * UTF-8 byte order (the order of the {@code "C"} collation).
 *
 * <p>UTF-8 preserves code point order and is prefix-free, so the least string above every extension of
 * {@code q + c} is {@code q + (c + 1)}. Surrogate code points are skipped (no valid text contains them), and a last
 * code point of U+10FFFF carries into the one before it. A prefix made only of U+10FFFF has no such bound; then one
 * more U+10FFFF than a kind can hold (256 bytes / 4) is above every valid kind that starts with it.
 */
final class KindRange {

  private static final int MAX = Character.MAX_CODE_POINT;

  private KindRange() {}

  /**
   * The exclusive upper bound of the strings starting with {@code prefix}.
   *
   * @param prefix a non-empty, well-formed prefix
   * @return the bound, always well-formed text
   */
  static String upper(String prefix) {
    int[] cps = prefix.codePoints().toArray();
    for (int i = cps.length - 1; i >= 0; i--) {
      if (cps[i] < MAX) {
        int next = cps[i] + 1;
        if (next >= Character.MIN_SURROGATE && next <= Character.MAX_SURROGATE) {
          next = Character.MAX_SURROGATE + 1;
        }
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < i; j++) {
          sb.appendCodePoint(cps[j]);
        }
        return sb.appendCodePoint(next).toString();
      }
    }
    return new String(Character.toChars(MAX)).repeat(65);
  }
}
