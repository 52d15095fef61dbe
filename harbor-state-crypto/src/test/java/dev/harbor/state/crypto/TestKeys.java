package dev.harbor.state.crypto;

import dev.harbor.state.StateConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories, KEKs and keyrings for the tests. */
final class TestKeys {

  /** The inner store's payload limit that leaves the wrapped store the contract's 16 MiB. */
  static final String INNER_MAX_PAYLOAD =
      String.valueOf(16 * 1024 * 1024 + PayloadEncryption.OVERHEAD_BYTES);

  private TestKeys() {}

  static Path newDirectory(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fresh KEK file in {@code dir}. */
  static Path newKekFile(Path dir) {
    Path file = dir.resolve("kek.json");
    KeyEncryptionKey.createFile(file);
    return file;
  }

  /** A fresh keyring (and KEK) under {@code dir}. */
  static TenantKeys newKeyring(Path dir) {
    return TenantKeys.keyring(dir.resolve("keyring"), KeyEncryptionKey.fromFile(newKekFile(dir)));
  }

  /** Options every wrapped test store gets: room for the envelope on top of 16 MiB. */
  static StateConfig withRoomForEnvelope(StateConfig config) {
    return config.withOption("maxPayloadBytes", INNER_MAX_PAYLOAD);
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(TestKeys::deleteQuietly);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
