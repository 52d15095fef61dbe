package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * put, get, get-event, rm, erase-session, ls and scan against a SQLite file, the default kind of
 * store.
 */
class SlotCommandsTest {

  @TempDir Path dir;

  private String store() {
    return "sqlite:" + dir.resolve("store.db");
  }

  private Cli.Result ok(Cli.Result r) {
    assertThat(r.code()).as(r.toString()).isZero();
    return r;
  }

  private Cli.Result cli(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--store";
    all[1] = store();
    System.arraycopy(args, 0, all, 2, args.length);
    return Cli.run(all);
  }

  private static byte[] everyByte() {
    byte[] b = new byte[256 * 3];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  @Test
  void binaryPayload_roundTripsThroughStdinAndStdout_exactly() {
    byte[] payload = everyByte();
    Cli.Result put =
        ok(
            Cli.runWithInput(
                payload,
                "--store",
                store(),
                "put",
                "--tenant",
                "t",
                "--user",
                "u",
                "--session",
                "s",
                "--run",
                "r",
                "--kind",
                "blob"));
    String eventId = put.out().strip();
    assertThat(eventId).hasSize(26);

    Cli.Result get =
        ok(
            cli(
                "get",
                "--tenant",
                "t",
                "--user",
                "u",
                "--session",
                "s",
                "--run",
                "r",
                "--kind",
                "blob"));
    assertThat(get.stdout()).isEqualTo(payload);
    assertThat(ok(cli("get-event", eventId, "--tenant", "t")).stdout()).isEqualTo(payload);
    assertThat(ok(cli("get-event", eventId, "--maintenance")).stdout()).isEqualTo(payload);
    // Another tenant's live id is not found, exactly like an id that is not live (SPEC 9.2).
    Cli.Result otherTenant = cli("get-event", eventId, "--tenant", "t2");
    Cli.Result nowhere = cli("get-event", "01JABCDEF0123456789ABCDEFG", "--tenant", "t2");
    assertThat(otherTenant.code()).as(otherTenant.toString()).isEqualTo(3);
    assertThat(otherTenant.stdout()).isEmpty();
    assertThat(otherTenant.stderr())
        .isEqualTo(nowhere.stderr().replace("01JABCDEF0123456789ABCDEFG", eventId));

    StateRecord json =
        RecordJson.read(
            ok(cli(
                    "get",
                    "--tenant",
                    "t",
                    "--user",
                    "u",
                    "--session",
                    "s",
                    "--run",
                    "r",
                    "--kind",
                    "blob",
                    "--json"))
                .out()
                .strip());
    assertThat(json.bytes()).isEqualTo(payload);
    assertThat(json.id().value()).isEqualTo(eventId);
    assertThat(json.updatedAt()).isNotNull();
  }

  @Test
  void put_fromFileAndData_withEventIdAndVersion() throws Exception {
    Path file = dir.resolve("payload.bin");
    Files.write(file, everyByte());
    ok(
        cli(
            "put",
            "--tenant",
            "t",
            "--user",
            "u",
            "--session",
            "s",
            "--kind",
            "a",
            "--file",
            file.toString(),
            "--event-id",
            "ev-file",
            "--version",
            "7"));
    Cli.Result put =
        ok(
            cli(
                "put",
                "--tenant",
                "t",
                "--user",
                "u",
                "--session",
                "s",
                "--kind",
                "b",
                "--data",
                "héllo",
                "--json"));
    StateRecord b = RecordJson.read(put.out().strip());
    assertThat(b.bytes()).isEqualTo("héllo".getBytes(StandardCharsets.UTF_8));

    StateRecord a =
        RecordJson.read(ok(cli("get-event", "ev-file", "--tenant", "t", "--json")).out().strip());
    assertThat(a.version()).isEqualTo(7);
    assertThat(a.bytes()).isEqualTo(everyByte());
    assertThat(a.kind()).isEqualTo("a");
  }

  @Test
  void ls_listsOneQuadruple_inKindOrder_withLimitAndJson() {
    for (String kind : List.of("task.b", "task.a", "note", "task.c")) {
      ok(
          cli(
              "put",
              "--tenant",
              "t",
              "--user",
              "u",
              "--session",
              "s",
              "--kind",
              kind,
              "--data",
              kind));
    }
    ok(
        cli(
            "put",
            "--tenant",
            "t",
            "--user",
            "u",
            "--session",
            "s",
            "--run",
            "r1",
            "--kind",
            "task.z",
            "--data",
            "z"));
    Cli.Result ls =
        ok(
            cli(
                "ls",
                "--tenant",
                "t",
                "--user",
                "u",
                "--session",
                "s",
                "--prefix",
                "task.",
                "--json"));
    List<String> kinds = ls.out().lines().map(RecordJson::read).map(StateRecord::kind).toList();
    assertThat(kinds).containsExactly("task.a", "task.b", "task.c");
    Cli.Result limited =
        ok(
            cli(
                "ls",
                "--tenant",
                "t",
                "--user",
                "u",
                "--session",
                "s",
                "--prefix",
                "task.",
                "--limit",
                "2"));
    assertThat(limited.out().lines()).hasSize(2).allMatch(l -> l.startsWith("t/u/s/ task."));
  }

  @Test
  void scan_pagesThroughATenant_withContinuations() {
    for (String user : List.of("u3", "u1", "u2")) {
      ok(
          cli(
              "put",
              "--tenant",
              "t",
              "--user",
              user,
              "--session",
              "s",
              "--kind",
              "job.x",
              "--data",
              user));
    }
    ok(
        cli(
            "put",
            "--tenant",
            "other",
            "--user",
            "u1",
            "--session",
            "s",
            "--kind",
            "job.x",
            "--data",
            "no"));
    Cli.Result first =
        ok(
            cli(
                "scan",
                "--maintenance",
                "--tenant",
                "t",
                "--prefix",
                "job.",
                "--limit",
                "2",
                "--json"));
    assertThat(first.out().lines().map(RecordJson::read).map(r -> r.identity().userId()))
        .containsExactly("u1", "u2");
    assertThat(first.stderr()).startsWith("more: --continuation ");
    String token = first.stderr().strip().substring("more: --continuation ".length());
    Cli.Result second =
        ok(
            cli(
                "scan",
                "--maintenance",
                "--tenant",
                "t",
                "--prefix",
                "job.",
                "--limit",
                "2",
                "--continuation",
                token,
                "--json"));
    assertThat(second.out().lines().map(RecordJson::read).map(r -> r.identity().userId()))
        .containsExactly("u3");
    assertThat(second.stderr()).isEmpty();
    Cli.Result all =
        ok(
            cli(
                "scan",
                "--maintenance",
                "--tenant",
                "t",
                "--prefix",
                "job.",
                "--limit",
                "1",
                "--all"));
    assertThat(all.out().lines()).hasSize(3);
  }

  @Test
  void rm_andEraseSession() {
    String id =
        ok(cli(
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
                "1"))
            .out()
            .strip();
    ok(
        cli(
            "put",
            "--tenant",
            "t",
            "--user",
            "u",
            "--session",
            "s",
            "--run",
            "r",
            "--kind",
            "k2",
            "--data",
            "2"));
    ok(
        cli(
            "put",
            "--tenant",
            "t",
            "--user",
            "u",
            "--session",
            "other",
            "--kind",
            "k",
            "--data",
            "3"));

    assertThat(
            cli(
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
                    "stale")
                .code())
        .isEqualTo(4);
    assertThat(
            ok(cli(
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
                    id))
                .out())
        .startsWith("removed t/u/s/ k");
    assertThat(ok(cli("rm", "--tenant", "t", "--user", "u", "--session", "s", "--kind", "k")).out())
        .startsWith("nothing at");
    assertThat(cli("get-event", id, "--tenant", "t").code()).isEqualTo(3);

    ok(
        cli(
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
            "again"));
    assertThat(
            ok(cli("erase-session", "--tenant", "t", "--user", "u", "--session", "s"))
                .out()
                .strip())
        .isEqualTo("2");
    assertThat(
            ok(cli("erase-session", "--tenant", "t", "--user", "u", "--session", "s"))
                .out()
                .strip())
        .isEqualTo("0");
    assertThat(
            ok(cli("get", "--tenant", "t", "--user", "u", "--session", "other", "--kind", "k"))
                .out())
        .isEqualTo("3");
  }

  @Test
  void getJson_carriesEveryField() {
    ok(
        cli(
            "put",
            "--tenant",
            "t\"q",
            "--user",
            "ü",
            "--session",
            "𝄞",
            "--run",
            "r",
            "--kind",
            "k\n",
            "--event-id",
            "e",
            "--version",
            "-3",
            "--data",
            "x"));
    String line = ok(cli("get-event", "e", "--maintenance", "--json")).out().strip();
    assertThat(line)
        .startsWith(
            "{\"tenant\":\"t\\\"q\",\"user\":\"ü\",\"session\":\"𝄞\",\"run\":\"r\",\"kind\":\"k\\n\","
                + "\"eventId\":\"e\",\"version\":-3,\"bytes\":\""
                + Base64.getEncoder().encodeToString(new byte[] {'x'})
                + "\",\"updatedAt\":\"");
    assertThat(line)
        .matches(".*\"updatedAt\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\"}");
  }

  @Test
  void migrateAndDoctor() {
    assertThat(ok(cli("migrate")).out()).startsWith("schema is up to date: sqlite:");
    assertThat(ok(cli("migrate", "--verify")).out()).startsWith("schema is current: sqlite:");
    ok(cli("put", "--tenant", "t", "--user", "u", "--session", "s", "--kind", "k", "--data", "1"));
    ok(
        cli(
            "put",
            "--tenant",
            "t2",
            "--user",
            "u",
            "--session",
            "s",
            "--kind",
            "é.k",
            "--data",
            "1"));
    Cli.Result doctor = ok(cli("doctor"));
    assertThat(doctor.out())
        .contains("driver    sqlite", "connect   ok", "schema    current", "records   2", "ok");
    assertThat(ok(Cli.run("--store", "inmem:", "migrate")).out()).contains("nothing to migrate");
  }
}
