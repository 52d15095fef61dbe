package dev.harbor.state.crypto;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The conformance kit on a SQLite file, wrapped; one fresh directory per store. */
class SqliteWrappedTckTest extends WrappedTck {

  private final Map<StateStore, Path> dirs = new ConcurrentHashMap<>();
  private final ThreadLocal<Path> opening = new ThreadLocal<>();

  @Override
  protected StateStore newInner() {
    Path dir = TestKeys.newDirectory("harbor-crypto-sqlite");
    opening.set(dir);
    return StateStores.open(
        TestKeys.withRoomForEnvelope(
            StateConfig.builder()
                .driver("sqlite")
                .location(dir.resolve("state.db").toString())
                .clock(clock())
                .build()));
  }

  @Override
  protected StateStore wrapped(StateStore store) {
    Path dir = opening.get();
    opening.remove();
    if (dir != null) {
      dirs.put(store, dir);
    }
    return store;
  }

  @Override
  protected void disposeInner(StateStore wrapped) {
    Path dir = dirs.remove(wrapped);
    if (dir != null) {
      TestKeys.deleteRecursively(dir);
    }
  }
}
