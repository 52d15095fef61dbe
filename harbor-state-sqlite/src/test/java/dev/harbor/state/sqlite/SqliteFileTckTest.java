package dev.harbor.state.sqlite;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.tck.StateStoreTck;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The conformance kit against a SQLite file, one fresh directory per store. */
class SqliteFileTckTest extends StateStoreTck {

  private final Map<StateStore, Path> dirs = new ConcurrentHashMap<>();

  @Override
  protected StateStore newStore() {
    Path dir = TestFiles.newDirectory("harbor-sqlite-tck");
    StateStore store =
        StateStores.open(
            StateConfig.builder()
                .driver("sqlite")
                .location(dir.resolve("state.db").toString())
                .clock(clock())
                .build());
    dirs.put(store, dir);
    return store;
  }

  @Override
  protected void dispose(StateStore store) {
    Path dir = dirs.remove(store);
    if (dir != null) {
      TestFiles.deleteRecursively(dir);
    }
  }
}
