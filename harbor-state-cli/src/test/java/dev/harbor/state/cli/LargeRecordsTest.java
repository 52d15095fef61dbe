package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.spi.ScratchLocation;
import dev.harbor.state.testing.TestPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records near the default {@code maxPayloadBytes} (16 MiB) move with default options: twelve of 12
 * MiB are 144 MiB, which batches bounded by records alone would have sent in one saveAll. That
 * batches stay within the byte budget is {@link BatcherTest}'s part; here every record must arrive
 * intact. Payloads are generated per record and compared one at a time to keep the heap small.
 *
 * <p>Reading is bounded too: {@link #copyAndExport_ofManyRecordsNearTheSizeLimit_runInASmallHeap}
 * runs the tool in a child JVM whose heap is about half of the store's payloads.
 */
class LargeRecordsTest {

  private static final int RECORDS = 12;
  private static final int PAYLOAD = 12 << 20;

  /** 480 MiB of payloads, far more than {@link #SMALL_HEAP}: no command may hold them all. */
  private static final int MANY = 40;

  /** A heap a tool reading the store a page of 256 records at a time runs out of. */
  private static final String SMALL_HEAP = "256m";

  @TempDir Path dir;

  private String source;

  private static StateRecord record(int i) {
    byte[] bytes = new byte[PAYLOAD];
    new Random(i).nextBytes(bytes);
    return StateRecord.of(
        EventId.of("large-" + i), new Quadruple("acme", "u", "s", ""), "blob." + i, bytes);
  }

  @BeforeEach
  void fill() {
    source = "sqlite:" + dir.resolve("source.db");
    try (StateStore store = StateStores.open(source)) {
      for (int i = 0; i < RECORDS; i++) {
        store.save(record(i));
      }
    }
  }

  /** Every source record is in the target with the same fields, updatedAt included. */
  private void assertSameRecords(String target) {
    try (StateStore src = StateStores.open(source);
        StateStore dst = StateStores.open(target)) {
      for (int i = 0; i < RECORDS; i++) {
        StateRecord expected = record(i);
        StateRecord original = src.load(expected.identity(), expected.kind());
        assertThat(original.sameContent(expected)).as("source record %d", i).isTrue();
        assertThat(dst.load(expected.identity(), expected.kind()))
            .as("target record %d", i)
            .isEqualTo(original);
      }
    }
  }

  private static void assertCopied(Cli.Result r) {
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("copy verified: " + RECORDS + " records");
  }

  @Test
  void copy_ofRecordsNearTheSizeLimit_withDefaultOptions_arrivesIntact() {
    String target = "sqlite:" + dir.resolve("target.db");
    assertCopied(Cli.run("copy", "--from", source, "--to", target));
    assertSameRecords(target);
  }

  @Test
  void copy_ofRecordsNearTheSizeLimit_toPostgres_arrivesIntact() {
    try (ScratchLocation pg = TestPostgres.scratch()) {
      assertCopied(Cli.run("copy", "--from", source, "--to", pg.location()));
      assertSameRecords(pg.location());
    }
  }

  @Test
  void exportThenImport_ofRecordsNearTheSizeLimit_withDefaultOptions_arrivesIntact() {
    Path file = dir.resolve("large.jsonl");
    Cli.Result exported = Cli.run("--store", source, "export", "--out", file.toString());
    assertThat(exported.code()).as(exported.toString()).isZero();
    String target = "sqlite:" + dir.resolve("imported.db");
    Cli.Result imported = Cli.run("--store", target, "import", file.toString());
    assertThat(imported.code()).as(imported.toString()).isZero();
    assertThat(imported.out().strip()).isEqualTo("imported " + RECORDS + " records");
    assertSameRecords(target);
  }

  @Test
  void copyAndExport_ofManyRecordsNearTheSizeLimit_runInASmallHeap() throws Exception {
    try (StateStore store = StateStores.open(source)) {
      for (int i = RECORDS; i < MANY; i++) {
        store.save(record(i));
      }
    }
    String target = "sqlite:" + dir.resolve("target.db");
    Cli.Result copied =
        Cli.runInChildJvm(SMALL_HEAP, dir, "copy", "--from", source, "--to", target);
    assertThat(copied.code()).as(copied.toString()).isZero();
    // copy compared a digest over every field of both sides: the content is equal too.
    assertThat(copied.out()).contains("copy verified: " + MANY + " records");

    Path file = dir.resolve("many.jsonl");
    Cli.Result exported =
        Cli.runInChildJvm(SMALL_HEAP, dir, "--store", source, "export", "--out", file.toString());
    assertThat(exported.code()).as(exported.toString()).isZero();
    assertThat(exported.out().strip()).isEqualTo("exported " + MANY + " records to " + file);
    assertThat(lines(file)).isEqualTo(MANY);
  }

  /** Counts line breaks without holding a line: the file is over 600 MiB. */
  private static long lines(Path file) throws IOException {
    long n = 0;
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
        for (int i = 0; i < read; i++) {
          if (buffer[i] == '\n') {
            n++;
          }
        }
      }
    }
    return n;
  }
}
