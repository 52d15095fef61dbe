package dev.harbor.state.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The keyring directory's files: names, atomic writes, stamps and the lock around a keyset's
 * read-modify-write.
 */
final class KeyringFiles {

  /** Tenant ids up to this many UTF-8 bytes appear in hex in the file name; longer ones hashed. */
  private static final int MAX_HEX_ID_BYTES = 100;

  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * One JVM holds a file lock once (a second FileChannel.lock of the same file in the same JVM
   * throws OverlappingFileLockException), so keyrings of one JVM sharing a directory serialize on
   * these first. A fixed set of stripes: it never grows with the number of tenants.
   */
  private static final ReentrantLock[] STRIPES = newStripes(64);

  private KeyringFiles() {}

  private static ReentrantLock[] newStripes(int n) {
    ReentrantLock[] stripes = new ReentrantLock[n];
    for (int i = 0; i < n; i++) {
      stripes[i] = new ReentrantLock();
    }
    return stripes;
  }

  /**
   * The file-name stem of a tenant: {@code x-} and the hex of its UTF-8 bytes, or {@code h-} and
   * the hex SHA-256 of them for long ids. Injective (hex is, the prefixes differ, SHA-256 is
   * collision-resistant), lower-case only (safe on case-insensitive file systems), and never a path
   * separator, a dot-dot or NUL, whatever the id holds.
   *
   * @throws IllegalArgumentException if the id is not well-formed UTF-16 (a lone surrogate)
   */
  static String stem(String tenantId) {
    try {
      // Only to refuse lone surrogates, which getBytes would turn into '?' (two ids, one file).
      StandardCharsets.UTF_8
          .newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(tenantId));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("the tenant id is not well-formed UTF-16", e);
    }
    byte[] utf8 = tenantId.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= MAX_HEX_ID_BYTES) {
      return "x-" + HexFormat.of().formatHex(utf8);
    }
    try {
      return "h-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Creates the directory (owner-only) if it is missing. */
  static void ensureDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (POSIX) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(dir);
    }
  }

  private static FileAttribute<?>[] ownerOnly() {
    return POSIX
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
        }
        : new FileAttribute<?>[0];
  }

  /**
   * Writes a file whole or not at all: a temporary file (0600) in the same directory, written and
   * forced to disk, moved over the target atomically, then the directory forced so the move
   * survives a crash.
   *
   * @param replace whether an existing target may be replaced
   */
  static void writeAtomically(Path dir, String name, String content, boolean replace)
      throws IOException {
    ensureDirectory(dir);
    Path target = dir.resolve(name);
    if (!replace && Files.exists(target)) {
      throw new IOException(target + " exists");
    }
    byte[] suffix = new byte[8];
    RANDOM.nextBytes(suffix);
    Path temp = dir.resolve(name + ".tmp-" + HexFormat.of().formatHex(suffix));
    try {
      try (FileChannel out =
          FileChannel.open(
              temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly())) {
        ByteBuffer buffer = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true);
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system of " + dir + " cannot replace a file atomically", e);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    forceDirectory(dir);
  }

  /** Makes a rename or delete in the directory durable (where the platform allows it). */
  static void forceDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      // Some platforms (Windows) cannot open a directory; the rename is then as durable as the OS
      // makes it.
    }
  }

  /** What identifies one version of a file: replaced by an atomic move, a file gets a new one. */
  record Stamp(@Nullable Object fileKey, FileTime modified, long size) {}

  /** The file's stamp, or null if it does not exist. */
  static @Nullable Stamp stamp(Path file) throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new Stamp(a.fileKey(), a.lastModifiedTime(), a.size());
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Reads a whole file, or null if it does not exist. */
  static @Nullable String readOrNull(Path file) throws IOException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** A body that may fail with an I/O error. */
  interface IoSupplier<T> {
    T get() throws IOException;
  }

  /**
   * Runs a read-modify-write of one tenant's files under an exclusive lock: this JVM's stripe
   * first, then a file lock on {@code stem.lock}, which other processes sharing the directory take
   * too.
   */
  static <T> T locked(Path dir, String stem, IoSupplier<T> body) throws IOException {
    ReentrantLock stripe =
        STRIPES[
            Math.floorMod(Objects.hash(dir.toAbsolutePath().normalize(), stem), STRIPES.length)];
    stripe.lock();
    try {
      ensureDirectory(dir);
      Path lockFile = dir.resolve(stem + ".lock");
      try (FileChannel channel =
          FileChannel.open(
              lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), ownerOnly())) {
        FileLock lock = channel.lock();
        try {
          return body.get();
        } finally {
          lock.release();
        }
      }
    } finally {
      stripe.unlock();
    }
  }
}
