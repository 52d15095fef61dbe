package dev.harbor.state.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The keyring's files, names and permissions, and two processes sharing one. */
class KeyringTest {

  Path dir;
  Path ring;
  Path kekFile;
  KeyEncryptionKey kek;

  @BeforeEach
  void setUp() {
    dir = TestKeys.newDirectory("harbor-keyring-test");
    ring = dir.resolve("keyring");
    kekFile = TestKeys.newKekFile(dir);
    kek = KeyEncryptionKey.fromFile(kekFile);
  }

  @AfterEach
  void tearDown() {
    TestKeys.deleteRecursively(dir);
  }

  @Test
  void hostileTenantIds_stayInsideTheDirectory_eachInAFileOfItsOwn() throws IOException {
    List<String> tenants =
        List.of(
            "../x",
            "..",
            "/etc/passwd",
            "a/b",
            "a\\b",
            "A",
            "a",
            "t\u00e9",
            "x".repeat(100),
            "x".repeat(101),
            "\u00e9".repeat(128));
    try (TenantKeys keys = TenantKeys.keyring(ring, kek)) {
      for (String t : tenants) {
        keys.rotate(t);
      }
    }
    Set<String> names = new HashSet<>();
    try (Stream<Path> all = Files.walk(dir)) {
      all.filter(Files::isRegularFile)
          .forEach(
              p -> {
                if (!p.equals(kekFile)) {
                  assertThat(p.getParent()).isEqualTo(ring);
                  names.add(p.getFileName().toString());
                }
              });
    }
    long keysets = names.stream().filter(n -> n.endsWith(".keyset.json")).count();
    assertThat(keysets).isEqualTo(tenants.size());
    assertThat(names).allMatch(n -> n.matches("[xh]-[0-9a-f]+\\.(keyset\\.json|lock)"));
    assertThat(names).allMatch(n -> n.length() <= 255);
  }

  @Test
  void badTenantIds_areRefused() {
    try (TenantKeys keys = TenantKeys.keyring(ring, kek)) {
      assertThatThrownBy(() -> keys.rotate("")).isInstanceOf(IdentityRequiredException.class);
      assertThatThrownBy(() -> keys.rotate("a\u0000b")).isInstanceOf(InvalidRecordException.class);
      assertThatThrownBy(() -> keys.shred("\ud800")).isInstanceOf(InvalidRecordException.class);
      assertThatThrownBy(() -> keys.rotate("x".repeat(257)))
          .isInstanceOf(InvalidRecordException.class);
    }
  }

  @Test
  void filesAreOwnerOnly_andHoldNoKeyInClear() throws IOException {
    try (TenantKeys keys = TenantKeys.keyring(ring, kek)) {
      keys.rotate("t");
      keys.shred("u");
    }
    if (!Files.getFileStore(ring).supportsFileAttributeView("posix")) {
      return;
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ring)))
        .isEqualTo("rwx------");
    try (Stream<Path> files = Files.list(ring)) {
      for (Path f : files.toList()) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
            .as(f.toString())
            .isEqualTo("rw-------");
        String content = Files.readString(f, StandardCharsets.UTF_8);
        assertThat(content).doesNotContain("keyValue").doesNotContain("\"value\"");
      }
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kekFile)))
        .isEqualTo("rw-------");
  }

  @Test
  void aKeysetFileCopiedToAnotherTenantsName_doesNotOpen() throws IOException {
    Quadruple a = new Quadruple("a", "u", "s", "");
    try (TenantKeys keys = TenantKeys.keyring(ring, kek);
        StateStore store = PayloadEncryption.wrap(KeyringChild.open(dir.resolve("db")), keys)) {
      store.save(StateRecord.of(EventId.newId(), a, "k", new byte[] {1}));
      keys.rotate("b");
    }
    Files.copy(
        ring.resolve(KeyringFiles.stem("a") + ".keyset.json"),
        ring.resolve(KeyringFiles.stem("b") + ".keyset.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (TenantKeys keys = TenantKeys.keyring(ring, kek)) {
      assertThatThrownBy(() -> keys.rotate("b")).hasMessageContaining("does not open");
    }
  }

  @Test
  void twoProcesses_sharingAKeyring_agree() throws Exception {
    Path db = dir.resolve("state.db");
    Quadruple q = new Quadruple("t", "u", "s", "");
    AtomicLong ticker = new AtomicLong();
    try (TenantKeys keys = new Keyring(ring, (TinkKek) kek, ticker::get);
        StateStore store = PayloadEncryption.wrap(KeyringChild.open(db), keys)) {
      StateRecord mine =
          StateRecord.of(
              EventId.newId(), q, "parent", "from the parent".getBytes(StandardCharsets.UTF_8));
      store.save(mine); // this process now caches the tenant's keyset (one version)

      // The child rotates and writes under a version this process's cache does not hold.
      KeyringChild.run(kekFile, "rotate-and-save", ring.toString(), db.toString(), "t");
      assertThat(new String(store.load(q, "child").bytes(), StandardCharsets.UTF_8))
          .isEqualTo("from the child");
      assertThat(store.load(q, "parent"))
          .isEqualTo(mine.withUpdatedAt(store.load(q, "parent").updatedAt()));

      // A write here now uses the child's new primary: the rotation is not lost.
      store.save(StateRecord.of(EventId.newId(), q, "after", new byte[] {7}));

      // The child shreds: once the check interval has passed since this process last looked at
      // the keyset file, its next read refuses, though it had the keyset cached.
      KeyringChild.run(kekFile, "shred", ring.toString(), db.toString(), "t");
      ticker.addAndGet(Keyring.CHECK_INTERVAL_NANOS);
      assertThatThrownBy(() -> store.load(q, "parent"))
          .isInstanceOf(dev.harbor.state.StorageException.class)
          .hasMessageContaining("destroyed");
      assertThatThrownBy(() -> store.load(q, "child")).hasMessageContaining("destroyed");
    }
  }

  @Test
  void kekFromAnUnsetVariable_isRefusedByName() {
    assertThatThrownBy(() -> KeyEncryptionKey.fromEnvironment("HARBOR_STATE_TEST_NO_SUCH_VAR"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HARBOR_STATE_TEST_NO_SUCH_VAR");
  }

  @Test
  void kekFileThatIsNoKeyset_isRefusedWithoutItsContent() throws IOException {
    Path bogus = dir.resolve("bogus.json");
    Files.writeString(bogus, "{\"secret\": \"hunter2\"}");
    assertThatThrownBy(() -> KeyEncryptionKey.fromFile(bogus))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bogus.json")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> KeyEncryptionKey.createFile(kekFile))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
