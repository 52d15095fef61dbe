package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.MovingWriter;
import dev.harbor.state.testing.TestPostgres;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export} is a backup (issue 23, defect 9): with writers moving records between slots and
 * replacing two-record generations between its pages, it writes one consistent state of the store,
 * and that file imports into a fresh store. The writers act, on a store instance of their own, when
 * the export first writes to its output: it has then read its first two pages and not the rest
 * ({@link MovingWriter}).
 */
class ExportSnapshotTest {

  @TempDir Path dir;

  @Test
  void export_sqlite_withWritersBetweenItsPages_writesOneStateThatImports() throws Exception {
    exportsOneStateThatImports("sqlite:" + dir.resolve("source.db"));
  }

  @Test
  void export_postgres_withWritersBetweenItsPages_writesOneStateThatImports() throws Exception {
    try (ScratchLocation pg = TestPostgres.scratch()) {
      exportsOneStateThatImports(pg.location());
    }
  }

  @Test
  void aStoreWithoutSnapshots_isReadLive_withAWarning() throws Exception {
    try (StateStore store = StateStores.open("inmem:")) {
      List<StateRecord> before = MovingWriter.seed(store);
      // Not a driver's store (as a third-party driver's may be): nothing to take a snapshot of.
      StateStore plain =
          (StateStore)
              Proxy.newProxyInstance(
                  StateStore.class.getClassLoader(),
                  new Class<?>[] {StateStore.class},
                  (proxy, method, args) -> {
                    try {
                      return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                      throw e.getCause();
                    }
                  });
      List<String> warnings = new ArrayList<>();
      List<StateRecord> read = new ArrayList<>();
      RecordSource.of(plain, null, List.of()).warningTo(warnings::add).forEach(read::add);
      assertThat(read).containsExactlyElementsOf(before);
      assertThat(warnings)
          .singleElement()
          .asString()
          .contains("the inmem store offers no snapshot; reading it live");
    }
  }

  private void exportsOneStateThatImports(String source) throws Exception {
    List<StateRecord> before;
    try (StateStore store = StateStores.open(source)) {
      before = MovingWriter.seed(store);
    }
    boolean[] stepped = {false};
    Cli.Result exported =
        Cli.runSteeredByOutput(
            () -> {
              MovingWriter.step(source);
              stepped[0] = true;
            },
            "--store",
            source,
            "export");
    assertThat(exported.code()).as(exported.toString()).isZero();
    assertThat(stepped[0]).as("the writers ran while the export ran").isTrue();
    List<StateRecord> read = new ArrayList<>();
    exported.out().lines().map(RecordJson::read).forEach(read::add);
    MovingWriter.assertSnapshot(read, before);

    // The export is a backup: it imports into a fresh store as it was.
    Path backup = dir.resolve("backup.jsonl");
    Files.write(backup, exported.stdout());
    String target = "sqlite:" + dir.resolve("restored.db");
    Cli.Result imported = Cli.run("--store", target, "import", backup.toString());
    assertThat(imported.code()).as(imported.toString()).isZero();
    try (StateStore restored = StateStores.open(target)) {
      assertThat(Fixtures.readBack(restored, before)).containsExactlyElementsOf(before);
    }
    assertThat(Cli.run("--store", target, "export").out())
        .isEqualTo(new String(exported.stdout(), StandardCharsets.UTF_8));
  }
}
