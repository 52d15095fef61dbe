package dev.harbor.state.postgres;

import dev.harbor.state.sql.KindPrefix;

/**
 * The half-open range {@code [prefix, upper)} that holds exactly the strings starting with {@code
 * prefix}, under UTF-8 byte order (the order of the {@code "C"} collation): {@link
 * KindPrefix#successor}, which has no bound for a prefix made only of U+10FFFF. The SQL always
 * binds one (a single statement per query), so then one more U+10FFFF than a kind can hold (256
 * bytes / 4) is above every valid kind that starts with it.
 */
final class KindRange {

  private static final String BEYOND_EVERY_KIND =
      Character.toString(Character.MAX_CODE_POINT).repeat(65);

  private KindRange() {}

  /**
   * The exclusive upper bound of the strings starting with {@code prefix}.
   *
   * @param prefix a non-empty, well-formed prefix
   * @return the bound, always well-formed text
   */
  static String upper(String prefix) {
    String successor = KindPrefix.successor(prefix);
    return successor == null ? BEYOND_EVERY_KIND : successor;
  }
}
