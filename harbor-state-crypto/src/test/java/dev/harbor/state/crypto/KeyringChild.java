package dev.harbor.state.crypto;

import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A second process sharing a keyring (and a SQLite file) with the test's JVM. It reads the KEK from
 * {@code HARBOR_STATE_KEK} (base64), so the environment variable path is exercised too.
 *
 * <ul>
 *   <li>{@code rotate-and-save DIR DB TENANT}: rotates the tenant and saves "from the child" at
 *       (TENANT, u, s, "", child) under the new version;
 *   <li>{@code shred DIR DB TENANT}: shreds the tenant.
 * </ul>
 */
public final class KeyringChild {

  private KeyringChild() {}

  /**
   * Runs one role; exits 0 on success.
   *
   * @param args role, keyring directory, database file, tenant
   */
  public static void main(String[] args) {
    KeyEncryptionKey kek = KeyEncryptionKey.fromEnvironment("HARBOR_STATE_KEK");
    try (TenantKeys keys = TenantKeys.keyring(Path.of(args[1]), kek)) {
      switch (args[0]) {
        case "rotate-and-save" -> {
          keys.rotate(args[3]);
          try (StateStore store = PayloadEncryption.wrap(open(Path.of(args[2])), keys)) {
            store.save(
                StateRecord.of(
                    EventId.newId(),
                    new Quadruple(args[3], "u", "s", ""),
                    "child",
                    "from the child".getBytes(StandardCharsets.UTF_8)));
          }
        }
        case "shred" -> keys.shred(args[3]);
        default -> throw new IllegalArgumentException(args[0]);
      }
    }
  }

  static StateStore open(Path db) {
    return StateStores.open(
        TestKeys.withRoomForEnvelope(
            StateConfig.builder().driver("sqlite").location(db.toString()).build()));
  }

  /** Runs a role in a child JVM with the KEK file's content in HARBOR_STATE_KEK. */
  static void run(Path kekFile, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(KeyringChild.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment()
        .put("HARBOR_STATE_KEK", Base64.getEncoder().encodeToString(Files.readAllBytes(kekFile)));
    Process p = pb.start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the child did not finish");
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("the child failed: " + new String(output, StandardCharsets.UTF_8));
    }
  }
}
