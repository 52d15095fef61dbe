package dev.harbor.state.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The temporary directories that bench and certify create beside a store, and their removal. */
final class TempDirs {

  private TempDirs() {}

  /**
   * Deletes a flat temporary directory and its files. Best effort: a leftover file only costs disk,
   * and must not hide the outcome of the work that used it.
   *
   * @param dir the directory, or {@code null} if none was created
   */
  static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // See above: best effort.
    }
  }
}
