package dev.harbor.state.inmem;

/**
 * Orders strings by their UTF-8 bytes, as the SQL drivers' byte collations do. For well-formed
 * strings (the core rejects lone surrogates) UTF-8 byte order is code point order, so no encoding
 * is needed.
 */
final class Utf8Order {

  private Utf8Order() {}

  static int compare(String a, String b) {
    // Slots of one session share four of their five strings; String.equals (an intrinsic) settles
    // those at once instead of char by char.
    if (a.equals(b)) {
      return 0;
    }
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
