package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --keyring}: put/get seal and open, export/import/copy carry sealed payloads, rekey, shred.
 */
class KeyringCommandsTest {

  static final String PAYLOAD = "the customer's address is confidential";

  @TempDir Path dir;
  Path kek;
  Path keyring;

  @BeforeEach
  void newKek() throws Exception {
    kek = dir.resolve("kek.json");
    Cli.Result r = Cli.run("kek", "new", "--out", kek.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(Files.exists(kek)).isTrue();
    keyring = dir.resolve("keyring");
  }

  String store(String name) {
    return "sqlite:" + dir.resolve(name);
  }

  Cli.Result sealed(String store, byte[] stdin, String... args) {
    List<String> all = new ArrayList<>(List.of("--store", store));
    all.addAll(Arrays.asList(args));
    all.addAll(List.of("--keyring", keyring.toString(), "--kek-file", kek.toString()));
    return Cli.runWithInput(stdin, all.toArray(String[]::new));
  }

  static Cli.Result ok(Cli.Result r) {
    assertThat(r.code()).as(r.toString()).isZero();
    return r;
  }

  static final String[] SLOT = {
    "--tenant", "acme", "--user", "alice", "--session", "s1", "--kind", "note"
  };

  String[] with(String command, String... more) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(Arrays.asList(SLOT));
    all.addAll(Arrays.asList(more));
    return all.toArray(String[]::new);
  }

  void put(String store) {
    ok(sealed(store, PAYLOAD.getBytes(StandardCharsets.UTF_8), with("put")));
  }

  @Test
  void putAndGet_sealAndOpen_withoutTheKeyringGetSeesCiphertext() {
    put(store("a.db"));
    assertThat(ok(sealed(store("a.db"), new byte[0], with("get"))).out()).isEqualTo(PAYLOAD);
    Cli.Result raw = ok(Cli.run(concat(new String[] {"--store", store("a.db")}, with("get"))));
    assertThat(raw.out()).doesNotContain("confidential");
    assertThat(raw.stdout().length)
        .isEqualTo(PAYLOAD.length() + dev.harbor.state.crypto.PayloadEncryption.OVERHEAD_BYTES);
  }

  @Test
  void exportImportAndCopy_carrySealedPayloads_theCopiesOpenWithTheKeyring() throws Exception {
    put(store("a.db"));
    Path export = dir.resolve("export.jsonl");
    ok(sealed(store("a.db"), new byte[0], "export", "--out", export.toString()));
    String jsonl = Files.readString(export, StandardCharsets.UTF_8);
    assertThat(jsonl)
        .doesNotContain(
            Base64.getEncoder().encodeToString(PAYLOAD.getBytes(StandardCharsets.UTF_8)))
        .doesNotContain("confidential");

    ok(sealed(store("b.db"), new byte[0], "import", export.toString()));
    assertThat(ok(sealed(store("b.db"), new byte[0], with("get"))).out()).isEqualTo(PAYLOAD);

    ok(sealed(store("a.db"), new byte[0], "copy", "--to", store("c.db")));
    assertThat(ok(sealed(store("c.db"), new byte[0], with("get"))).out()).isEqualTo(PAYLOAD);
    assertThat(ok(Cli.run(concat(new String[] {"--store", store("c.db")}, with("get")))).out())
        .doesNotContain("confidential");
  }

  @Test
  void rotateThenRekey_reSealsUnderTheNewVersion() {
    put(store("a.db"));
    byte[] before =
        ok(Cli.run(concat(new String[] {"--store", store("a.db")}, with("get")))).stdout();
    ok(sealed(store("a.db"), new byte[0], "rotate", "--tenant", "acme"));
    assertThat(ok(sealed(store("a.db"), new byte[0], "rekey", "--tenant", "acme")).out().strip())
        .isEqualTo("1");
    byte[] after =
        ok(Cli.run(concat(new String[] {"--store", store("a.db")}, with("get")))).stdout();
    assertThat(Arrays.copyOfRange(after, 2, 6))
        .as("the key id in the envelope changed")
        .isNotEqualTo(Arrays.copyOfRange(before, 2, 6));
    assertThat(ok(sealed(store("a.db"), new byte[0], with("get"))).out()).isEqualTo(PAYLOAD);
    assertThat(ok(sealed(store("a.db"), new byte[0], "rekey", "--tenant", "acme")).out().strip())
        .as("nothing left to re-seal")
        .isEqualTo("0");
  }

  @Test
  void eraseTenantWithShred_leavesAnEarlierExportUnreadable() throws Exception {
    put(store("a.db"));
    Path export = dir.resolve("backup.jsonl");
    ok(sealed(store("a.db"), new byte[0], "export", "--out", export.toString()));

    Cli.Result erased =
        ok(
            sealed(
                store("a.db"),
                new byte[0],
                "erase-tenant",
                "--tenant",
                "acme",
                "--yes",
                "--shred"));
    assertThat(erased.out().strip()).isEqualTo("1");

    ok(sealed(store("restored.db"), new byte[0], "import", export.toString()));
    Cli.Result read = sealed(store("restored.db"), new byte[0], with("get"));
    assertThat(read.code()).as(read.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(read.stderr()).contains("destroyed").contains("(acme, alice, s1, , note)");
    assertThat(read.stderr().strip().lines()).hasSize(1);
    assertThat(read.out()).isEmpty();
  }

  @Test
  void keyringWithoutAKek_isAUsageError() {
    Cli.Result r =
        Cli.run(
            concat(
                new String[] {"--store", store("a.db")},
                with("get", "--keyring", keyring.toString())));
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.stderr()).contains("HARBOR_STATE_KEK").contains("--kek-file");
  }

  @Test
  void rekeyWithoutAKeyring_isAUsageError_andKekNewRefusesToOverwrite() {
    Cli.Result r = Cli.run("--store", store("a.db"), "rekey", "--tenant", "acme");
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.stderr()).contains("--keyring");
    Cli.Result again = Cli.run("kek", "new", "--out", kek.toString());
    assertThat(again.code()).as(again.toString()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void benchWithAKeyring_measuresTheSealedStoreBesideThePlainOne() {
    Cli.Result r =
        ok(
            Cli.run(
                "bench",
                "--store",
                "inmem:",
                "--workloads",
                "save,load,saveIf",
                "--threads",
                "1",
                "--payload",
                "32",
                "--seconds",
                "0.2",
                "--warmup",
                "0.05",
                "--slots",
                "1000",
                "--no-baseline",
                "--keyring",
                keyring.toString(),
                "--kek-file",
                kek.toString()));
    assertThat(r.out()).contains("sealed ops/s").contains("sealed / store throughput");
    assertThat(
            r.out()
                .lines()
                .filter(l -> l.matches("\\s+(save|load|saveIf)\\s+32 B\\s+1 threads\\s+[0-9.]+")))
        .hasSize(3);
  }

  static String[] concat(String[] a, String[] b) {
    String[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
