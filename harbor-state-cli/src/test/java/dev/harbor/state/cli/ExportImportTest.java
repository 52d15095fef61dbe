package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportImportTest {

  @TempDir Path dir;

  private String source;
  private List<StateRecord> stored;

  @BeforeEach
  void fill() {
    source = "sqlite:" + dir.resolve("source.db");
    try (StateStore store = StateStores.open(source)) {
      store.saveAll(Fixtures.records(40));
      stored = Fixtures.readBack(store, Fixtures.records(40));
    }
    assertThat(stored).hasSize(200);
  }

  private static Cli.Result ok(Cli.Result r) {
    assertThat(r.code()).as(r.toString()).isZero();
    return r;
  }

  @Test
  void exportThenImport_intoAFreshStore_reproducesEveryRecordExactly() throws Exception {
    byte[] all = ok(Cli.run("--store", source, "export")).stdout();
    Path file = dir.resolve("export.jsonl");
    assertThat(ok(Cli.run("--store", source, "export", "--out", file.toString())).out())
        .isEqualTo("exported 200 records to " + file + "\n");
    assertThat(Files.readAllBytes(file)).isEqualTo(all);
    List<String> lines = new String(all, StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(200);

    String target = "sqlite:" + dir.resolve("target.db");
    Cli.Result imported = ok(Cli.runWithInput(all, "--store", target, "import"));
    assertThat(imported.out().strip()).isEqualTo("imported 200 records");
    try (StateStore store = StateStores.open(target)) {
      assertThat(Fixtures.readBack(store, stored)).containsExactlyElementsOf(stored);
      assertThat(Fixtures.count(store)).isEqualTo(200);
    }
    assertThat(ok(Cli.run("--store", target, "export")).stdout()).isEqualTo(all);

    // Re-running the same import is a no-op: nothing changes, not even updatedAt.
    Path again = dir.resolve("again.jsonl");
    Files.write(again, all);
    ok(Cli.run("--store", target, "import", again.toString(), "--batch-size", "7"));
    assertThat(ok(Cli.run("--store", target, "export")).stdout()).isEqualTo(all);
  }

  @Test
  void export_includesEveryKindAndTenant_whateverTheirFirstCharacter() {
    List<StateRecord> odd =
        List.of(
            StateRecord.of(
                EventId.of("odd-1"),
                new Quadruple("\uD83D\uDE00", "u", "s", ""),
                "\uD83D\uDE00.kind",
                new byte[] {1}),
            StateRecord.of(
                EventId.of("odd-2"), new Quadruple("t", "u", "s", ""), "\uFFFF", new byte[] {2}),
            StateRecord.of(
                EventId.of("odd-3"),
                new Quadruple("\u0001", "u", "s", ""),
                "\u0001",
                new byte[] {3}));
    try (StateStore store = StateStores.open(source)) {
      store.saveAll(odd);
    }
    List<StateRecord> exported =
        ok(Cli.run("--store", source, "export")).out().lines().map(RecordJson::read).toList();
    assertThat(exported).hasSize(203);
    assertThat(exported.stream().map(StateRecord::id))
        .containsAll(odd.stream().map(StateRecord::id).toList());
    assertThat(ok(Cli.run("--store", source, "doctor")).out()).contains("203");
  }

  @Test
  void export_filtersByTenantAndPrefix() {
    List<StateRecord> acmeTasks =
        stored.stream()
            .filter(r -> r.identity().tenantId().equals("acme") && r.kind().startsWith("task."))
            .toList();
    Cli.Result r =
        ok(Cli.run("--store", source, "export", "--tenant", "acme", "--prefix", "task."));
    List<StateRecord> got = r.out().lines().map(RecordJson::read).toList();
    assertThat(got).containsExactlyInAnyOrderElementsOf(acmeTasks).isNotEmpty();

    Cli.Result globex = ok(Cli.run("--store", source, "export", "--tenant", "globex"));
    assertThat(globex.out().lines())
        .hasSize(40)
        .allMatch(l -> l.startsWith("{\"tenant\":\"globex\","));
  }

  @Test
  void malformedLine_namesTheLine_andWritesNothingOfItsBatch() throws Exception {
    List<String> lines =
        new ArrayList<>(
            ok(Cli.run("--store", source, "export", "--tenant", "acme")).out().lines().toList());
    lines.add(
        3,
        "{\"tenant\":\"acme\",\"user\":\"u\",\"session\":\"s\",\"kind\":\"k\",\"eventId\":\"x\",\"bytes\":\"***\"}");
    Path file = dir.resolve("bad.jsonl");
    Files.write(file, lines, StandardCharsets.UTF_8);

    String target = "sqlite:" + dir.resolve("target.db");
    Cli.Result r = Cli.run("--store", target, "import", file.toString(), "--batch-size", "2");
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr()).startsWith("harbor-state: line 4: ").contains("base64");
    try (StateStore store = StateStores.open(target)) {
      // Lines 1-2 were one committed batch; line 3 shared the failing batch with line 4, so it is
      // not there.
      assertThat(Fixtures.count(store)).isEqualTo(2);
    }

    Cli.Result syntax =
        Cli.runWithInput(
            "{\"tenant\":\"a\",}\n".getBytes(StandardCharsets.UTF_8),
            "--store",
            "sqlite:" + dir.resolve("other.db"),
            "import");
    assertThat(syntax.code()).isEqualTo(2);
    assertThat(syntax.stderr()).startsWith("harbor-state: line 1: column 15: ");
  }

  @Test
  void lineThatBreaksAStoreRule_isNamed_beforeAnythingIsWritten() {
    String good =
        "{\"tenant\":\"t\",\"user\":\"u\",\"session\":\"s\",\"kind\":\"k\",\"eventId\":\"e1\",\"bytes\":\"\"}";
    String bad =
        "{\"tenant\":\"t\",\"user\":\"\",\"session\":\"s\",\"kind\":\"k\",\"eventId\":\"e2\",\"bytes\":\"\"}";
    String target = "sqlite:" + dir.resolve("target.db");
    Cli.Result r =
        Cli.runWithInput(
            (good + "\n\n" + bad + "\n").getBytes(StandardCharsets.UTF_8),
            "--store",
            target,
            "import");
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr()).startsWith("harbor-state: line 3: ").contains("user");
    assertThat(Cli.run("--store", target, "get-event", "e1", "--maintenance").code()).isEqualTo(3);
  }

  @Test
  void conflictingImport_is4_andLeavesTheStoreAsItWas() {
    String target = "sqlite:" + dir.resolve("target.db");
    String line =
        "{\"tenant\":\"t\",\"user\":\"u\",\"session\":\"s\",\"kind\":\"k\",\"eventId\":\"e1\",\"bytes\":\"%s\"}";
    ok(
        Cli.runWithInput(
            (String.format(line, "AA==") + "\n").getBytes(StandardCharsets.UTF_8),
            "--store",
            target,
            "import"));
    Cli.Result r =
        Cli.runWithInput(
            (String.format(line, "AQ==") + "\n").getBytes(StandardCharsets.UTF_8),
            "--store",
            target,
            "import");
    assertThat(r.code()).as(r.toString()).isEqualTo(4);
    assertThat(r.stderr()).startsWith("harbor-state: line 1 (batch not written): ");
  }
}
