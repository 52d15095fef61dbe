package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tool never reads unbounded input into memory (SPEC 9.3): {@code put} refuses standard input
 * larger than the store's {@code maxPayloadBytes} and {@code import} a line longer than a record
 * can be, each with one line and exit 2, having read little more than the bound of a generated
 * stream many times larger; and every driver bounds a batch by {@code maxBatchBytes}, which the
 * tool's import and copy batches stay under.
 */
class InputBoundsTest {

  @TempDir Path dir;

  /** Bytes generated on demand: nothing of the stream is held, and what was read is counted. */
  static final class Generated extends InputStream {
    private final long length;
    private final byte fill;
    long read;

    Generated(long length, byte fill) {
      this.length = length;
      this.fill = fill;
    }

    @Override
    public int read() {
      if (read >= length) {
        return -1;
      }
      read++;
      return fill;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (read >= length) {
        return -1;
      }
      int n = (int) Math.min(len, length - read);
      java.util.Arrays.fill(b, off, off + n, fill);
      read += n;
      return n;
    }
  }

  private static Cli.Result run(InputStream in, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        HarborStateCli.run(
            args,
            in,
            new PrintStream(out, false, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of(),
            false);
    return new Cli.Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void put_refusesStandardInputLargerThanMaxPayloadBytes_afterReadingLittleMoreThanIt() {
    String store = "sqlite:" + dir.resolve("put.db") + "?maxPayloadBytes=64KiB";
    Generated stdin = new Generated(256L << 20, (byte) 'x'); // 256 MiB, never held
    Cli.Result r =
        run(stdin, "--store", store, "put", "--tenant=t", "--user=u", "--session=s", "--kind=k");
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(r.stderr()).contains("maxPayloadBytes=65536");
    assertThat(stdin.read).isLessThanOrEqualTo((64L << 10) + (1 << 16));

    Generated fits = new Generated(64L << 10, (byte) 'y');
    Cli.Result ok =
        run(fits, "--store", store, "put", "--tenant=t", "--user=u", "--session=s", "--kind=k");
    assertThat(ok.code()).as(ok.toString()).isZero();
  }

  @Test
  void import_refusesALineLongerThanARecordCanBe_afterReadingLittleMoreThanIt() {
    String store = "sqlite:" + dir.resolve("import.db") + "?maxPayloadBytes=1KiB";
    Generated stdin = new Generated(256L << 20, (byte) ' '); // one line of 256 MiB
    Cli.Result r = run(stdin, "--store", store, "import");
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(r.stderr()).contains("line 1: longer than").contains("maxPayloadBytes=1024");
    assertThat(stdin.read).isLessThan(1L << 20);
  }

  @Test
  void everyDriver_refusesABatchOverMaxBatchBytes_beforeWritingAnything() {
    for (String location :
        List.of(
            "inmem:?maxPayloadBytes=1KiB&maxBatchBytes=8KiB",
            "sqlite:" + dir.resolve("batch.db") + "?maxPayloadBytes=1KiB&maxBatchBytes=8KiB",
            dev.harbor.state.testing.TestPostgres.location(
                dev.harbor.state.testing.TestPostgres.newSchemaName("harbor_batch"),
                "maxPayloadBytes=1KiB",
                "maxBatchBytes=8KiB"))) {
      try (StateStore store = StateStores.open(location)) {
        List<StateRecord> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          batch.add(
              StateRecord.of(
                  EventId.of("e" + i), new Quadruple("t", "u", "s" + i, ""), "k", new byte[1024]));
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.saveAll(batch))
            .as(location)
            .isInstanceOf(InvalidRecordException.class)
            .hasMessageContaining("maxBatchBytes=8192");
        assertThat(store.findByEventId(EventId.of("e0"))).isEmpty();
        store.saveAll(batch.subList(0, 7)); // 7 KiB and keys: under the bound
        assertThat(store.findByEventId(EventId.of("e6"))).isPresent();
      } finally {
        if (location.startsWith("postgres")) {
          String schema = location.replaceAll(".*schema=([^&]+).*", "$1");
          dev.harbor.state.testing.TestPostgres.dropSchema(schema);
        }
      }
    }
  }

  @Test
  void importAndCopy_keepTheirBatchesUnderTheTargetsMaxBatchBytes() throws Exception {
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    List<StateRecord> records = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      records.add(
          StateRecord.of(
              EventId.of("e" + i), new Quadruple("t", "u", "s" + i, ""), "k", new byte[1000]));
    }
    for (StateRecord rec : records) {
      RecordJson.write(lines, rec);
      lines.write('\n');
    }
    Path file = dir.resolve("in.jsonl");
    Files.write(file, lines.toByteArray());
    String small = "?maxPayloadBytes=1KiB&maxBatchBytes=8KiB";
    String target = "sqlite:" + dir.resolve("target.db") + small;
    Cli.Result imported =
        Cli.run("--store", target, "import", "--batch-bytes=" + (64 << 20), file.toString());
    assertThat(imported.code()).as(imported.toString()).isZero();
    assertThat(imported.out()).contains("imported 20 records");
    String copy = "sqlite:" + dir.resolve("copy.db") + small;
    Cli.Result copied = Cli.run("copy", "--from", target, "--to", copy, "--batch-bytes=67108864");
    assertThat(copied.code()).as(copied.toString()).isZero();
    try (StateStore store = StateStores.open(copy)) {
      assertThat(store.findByEventId(EventId.of("e19"))).isPresent();
    }
  }
}
