package dev.harbor.state.cli;

import java.util.Comparator;

/**
 * Orders strings as their UTF-8 bytes compare, which is code point order: the order the stores use
 * for listings and scans. {@link String#compareTo} differs (it compares UTF-16 units, putting
 * U+E000..U+FFFF after supplementary characters).
 */
final class Utf8Order {

  /** Code point (UTF-8 byte) order. */
  static final Comparator<String> COMPARATOR = Utf8Order::compare;

  private Utf8Order() {}

  static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
