package dev.harbor.state.sqlite;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates a new database file readable by its owner only (0600), whatever the process's umask: the
 * file holds every tenant's records. SQLite creates its {@code -wal}, {@code -shm} and {@code
 * -journal} files with the database file's permissions (it reads them from the database file and
 * sets them exactly), so those follow. An existing file keeps the permissions its owner gave it.
 */
final class SqliteFiles {

  /** rw------- */
  static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private SqliteFiles() {}

  /**
   * Creates the file, empty (an empty file is an empty SQLite database) and 0600, if it does not
   * exist.
   *
   * @param file the database file
   */
  static void createOwnerOnly(Path file) {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      // The attribute passes through the umask, which can only take bits away; say it exactly.
      Files.setPosixFilePermissions(file, OWNER_ONLY);
    } catch (FileAlreadyExistsException e) {
      // An existing database (or another process just created it the same way).
    } catch (UnsupportedOperationException | IOException e) {
      // Not a POSIX file system, or the directory refuses: SQLite creates or reports it itself.
    }
  }
}
