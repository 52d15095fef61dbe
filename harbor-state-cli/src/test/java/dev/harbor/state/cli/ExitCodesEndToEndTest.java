package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each error class through the real commands: one line on stderr, no stack trace, the contract's
 * exit code.
 */
class ExitCodesEndToEndTest {

  @TempDir Path dir;

  private String sqlite() {
    return "sqlite:" + dir.resolve("store.db");
  }

  private static void assertOneLineError(Cli.Result r, int code, String... fragments) {
    assertThat(r.code()).as(r.toString()).isEqualTo(code);
    assertThat(r.stderr()).startsWith("harbor-state: ").doesNotContain("\tat ");
    for (String fragment : fragments) {
      assertThat(r.stderr()).contains(fragment);
    }
  }

  @Test
  void missingFlag_isUsage2() {
    Cli.Result r =
        Cli.run("--store", "inmem:", "put", "--tenant", "t", "--user", "u", "--session", "s");
    assertOneLineError(r, 2, "--kind");
  }

  @Test
  void unknownCommandOrOption_isUsage2() {
    assertOneLineError(Cli.run("frobnicate"), 2, "frobnicate");
    assertOneLineError(Cli.run("get-event", "e1", "--nope"), 2, "--nope");
  }

  @Test
  void getEventWithoutTenantOrMaintenance_isUsage2_beforeTheStoreIsOpened() {
    // The store does not exist: had the command opened it, the error would be about the location.
    assertOneLineError(
        Cli.run("--store", "nosuch:x", "get-event", "e1"),
        2,
        "--tenant",
        "--maintenance",
        "MAINTENANCE");
    Cli.Result r = Cli.run("--store", "nosuch:x", "get-event", "e1");
    assertThat(r.stderr().strip()).as("one line").doesNotContain("\n").doesNotContain("nosuch");
  }

  @Test
  void unknownLocationScheme_isUsage2_namingTheRegisteredDrivers() {
    assertOneLineError(
        Cli.run("--store", "nosuch:x", "get-event", "e1", "--tenant", "t"), 2, "nosuch", "inmem");
  }

  @Test
  void malformedLocation_isUsage2() {
    assertOneLineError(
        Cli.run("--store", "no-scheme-here", "get-event", "e1", "--tenant", "t"),
        2,
        "no driver scheme");
  }

  @Test
  void emptyTenant_isUsage2() {
    Cli.Result r =
        Cli.run(
            "--store",
            "inmem:",
            "put",
            "--tenant",
            "",
            "--user",
            "u",
            "--session",
            "s",
            "--kind",
            "k",
            "--data",
            "x");
    assertOneLineError(r, 2, "tenant");
  }

  @Test
  void emptyKindPrefix_isUsage2() {
    assertOneLineError(
        Cli.run(
            "--store",
            "inmem:",
            "ls",
            "--tenant",
            "t",
            "--user",
            "u",
            "--session",
            "s",
            "--prefix",
            ""),
        2,
        "prefix");
  }

  @Test
  void scanWithoutMaintenance_isUsage2() {
    assertOneLineError(
        Cli.run("--store", "inmem:", "scan", "--tenant", "t", "--prefix", "k"),
        2,
        "MAINTENANCE",
        "--maintenance");
  }

  @Test
  void scanWithABadLimitOrContinuation_isUsage2() {
    assertOneLineError(
        Cli.run(
            "--store",
            "inmem:",
            "scan",
            "--maintenance",
            "--tenant",
            "t",
            "--prefix",
            "k",
            "--limit",
            "0"),
        2);
    assertOneLineError(
        Cli.run(
            "--store",
            "inmem:",
            "scan",
            "--maintenance",
            "--tenant",
            "t",
            "--prefix",
            "k",
            "--continuation",
            "%%%"),
        2);
  }

  @Test
  void twoPayloadSources_orAMissingFile_isUsage2() {
    assertOneLineError(
        Cli.run(
            "--store",
            "inmem:",
            "put",
            "--tenant",
            "t",
            "--user",
            "u",
            "--session",
            "s",
            "--kind",
            "k",
            "--data",
            "x",
            "--file",
            "y"),
        2,
        "not both");
    assertOneLineError(
        Cli.run(
            "--store",
            "inmem:",
            "put",
            "--tenant",
            "t",
            "--user",
            "u",
            "--session",
            "s",
            "--kind",
            "k",
            "--file",
            dir.resolve("absent.bin").toString()),
        2,
        "absent.bin");
  }

  @Test
  void malformedJsonLine_isUsage2_namingTheLine() {
    byte[] input =
        ("{\"tenant\":\"t\",\"user\":\"u\",\"session\":\"s\",\"kind\":\"k\",\"eventId\":\"e1\",\"bytes\":\"\"}\n"
                + "{\"tenant\":\"t\" \"user\":\"u\"}\n")
            .getBytes(StandardCharsets.UTF_8);
    assertOneLineError(
        Cli.runWithInput(input, "--store", "inmem:", "import"), 2, "line 2: column 15");
  }

  @Test
  void notFound_is3() {
    assertOneLineError(
        Cli.run("--store", "inmem:", "get-event", "no-such-event", "--tenant", "t"),
        3,
        "no-such-event");
    assertOneLineError(
        Cli.run(
            "--store",
            "inmem:",
            "get",
            "--tenant",
            "t",
            "--user",
            "u",
            "--session",
            "s",
            "--kind",
            "k"),
        3);
  }

  @Test
  void failedCondition_is4() {
    assertOneLineError(
        Cli.run(
            "--store",
            "inmem:",
            "rm",
            "--tenant",
            "t",
            "--user",
            "u",
            "--session",
            "s",
            "--kind",
            "k",
            "--if-event",
            "e1"),
        4,
        "e1");
  }

  @Test
  void idempotencyConflict_is4() {
    String[] put = {
      "--store",
      sqlite(),
      "put",
      "--tenant",
      "t",
      "--user",
      "u",
      "--session",
      "s",
      "--kind",
      "k",
      "--event-id",
      "e1",
      "--data"
    };
    assertThat(Cli.run(concat(put, "first")).code()).isZero();
    assertThat(Cli.run(concat(put, "first")).code()).as("same content again is a no-op").isZero();
    assertOneLineError(Cli.run(concat(put, "second")), 4, "e1");
  }

  @Test
  void unreachableStorage_is5() throws Exception {
    Path notADatabase = dir.resolve("garbage.db");
    Files.write(notADatabase, "this is not a database".getBytes(StandardCharsets.UTF_8));
    assertOneLineError(
        Cli.run("--store", "sqlite:" + notADatabase, "get-event", "e1", "--tenant", "t"), 5);
    assertOneLineError(
        Cli.run(
            "--store",
            "postgres://nobody@127.0.0.1:1/nothing?operationTimeout=2s",
            "get-event",
            "e1",
            "--tenant",
            "t"),
        5);
  }

  @Test
  void aMissingDirectoryForTheSqliteFile_isInvalidConfig2() {
    assertOneLineError(
        Cli.run(
            "--store",
            "sqlite:" + dir.resolve("no/such/dir/store.db"),
            "get-event",
            "e1",
            "--maintenance"),
        2,
        "does not exist");
  }

  @Test
  void anythingElse_is1(@TempDir Path dir) {
    // An I/O failure of the tool itself (here: --out names a directory) is neither input nor
    // storage.
    assertOneLineError(
        Cli.run("--store", "inmem:", "export", "--out", dir.toString()), 1, dir.toString());
  }

  @Test
  void verbose_printsTheStackTrace() {
    Cli.Result r =
        Cli.run("--store", "inmem:", "--verbose", "get-event", "no-such-event", "--tenant", "t");
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.stderr()).contains("RecordNotFoundException").contains("\tat ");
    Cli.Result after =
        Cli.run("--store", "inmem:", "get-event", "--verbose", "no-such-event", "--maintenance");
    assertThat(after.stderr()).contains("\tat ");
  }

  @Test
  void storeComesFromTheEnvironment_whenNotGiven() {
    Cli.Result r =
        Cli.run(
            new byte[0],
            Map.of("HARBOR_STATE_STORE", "nosuch:x"),
            "get-event",
            "e1",
            "--tenant",
            "t");
    assertOneLineError(r, 2, "nosuch");
  }

  private static String[] concat(String[] head, String last) {
    String[] all = java.util.Arrays.copyOf(head, head.length + 1);
    all[head.length] = last;
    return all;
  }
}
