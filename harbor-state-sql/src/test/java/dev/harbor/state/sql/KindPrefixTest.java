package dev.harbor.state.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The prefix bound; both drivers test their use of it against the UTF-8 byte order. */
class KindPrefixTest {

  private static final String MAX = Character.toString(Character.MAX_CODE_POINT);

  @Test
  void successor_incrementsTheLastCodePoint_skippingSurrogates_carryingPastTheLargest() {
    assertThat(KindPrefix.successor("task.")).isEqualTo("task/");
    assertThat(KindPrefix.successor("k\uD7FF")).isEqualTo("k\uE000");
    assertThat(KindPrefix.successor("k\uFFFF")).isEqualTo("k" + Character.toString(0x10000));
    assertThat(KindPrefix.successor("k" + MAX + MAX)).isEqualTo("l");
    assertThat(KindPrefix.successor(MAX)).isNull();
  }
}
