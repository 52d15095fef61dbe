package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The driver's behaviour tests on {@code sqlite::memory:}. */
class SqliteMemoryStoreTest extends SqliteStoreTestBase {

  @Override
  StateStore open(Map<String, String> options) {
    return openConfig(":memory:", options);
  }

  @Test
  void eachOpenOfMemory_isANewPrivateDatabase() {
    store.save(rec("e1", Q, "k", "a"));
    StateStore other = open(Map.of());
    try {
      assertThat(other.find(Q, "k")).isEmpty();
      other.save(rec("e1", Q, "k", "b"));
      assertThat(store.load(Q, "k").bytes()).isEqualTo("a".getBytes());
    } finally {
      other.close();
    }
  }
}
