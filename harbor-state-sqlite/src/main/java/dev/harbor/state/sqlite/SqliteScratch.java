package dev.harbor.state.sqlite;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.Locations;
import dev.harbor.state.spi.ScratchLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A fresh directory {@code .harbor_<label>_<random>} beside the base location's file (so the
 * scratch is on the same disk), holding the scratch store's file; deleted with its files at {@link
 * #close()}. For {@code sqlite::memory:} the scratch is {@code sqlite::memory:} itself: every open
 * is a new private database already.
 *
 * @param location the scratch store's location
 * @param dir the directory, {@code null} for the in-memory form
 * @param file the store's file, {@code null} for the in-memory form
 */
record SqliteScratch(String location, @Nullable Path dir, @Nullable Path file)
    implements ScratchLocation {

  /** The store's file in the directory. */
  static final String FILE = "harbor-state.db";

  /**
   * Creates the directory.
   *
   * @param base the base location and options, validated as an open would
   * @param label names the scratch's user
   * @return the scratch
   */
  static SqliteScratch create(StateConfig base, String label) {
    // Validated as an open would, so a bad option or a missing directory fails before anything is
    // created.
    SqliteSettings settings = SqliteSettings.parse(base);
    Path baseFile = settings.file();
    if (baseFile == null) {
      return new SqliteScratch(
          Locations.format("sqlite:" + SqliteSettings.MEMORY, base.options()), null, null);
    }
    // The file is absolute and normalized (SqliteSettings), so it has a parent directory.
    Path dir =
        Objects.requireNonNull(baseFile.getParent(), "an absolute file has a parent")
            .resolve("." + ScratchLocation.newName(label));
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      throw new StorageException("cannot create scratch directory " + dir + ": " + e, false, e);
    }
    Path file = dir.resolve(FILE);
    return new SqliteScratch(Locations.format("sqlite:" + file, base.options()), dir, file);
  }

  @Override
  public Optional<String> jdbcUrl() {
    return Optional.ofNullable(file).map(f -> "jdbc:sqlite:" + f);
  }

  /** sqlite-jdbc needs none. */
  @Override
  public Properties jdbcProperties() {
    return new Properties();
  }

  @Override
  public String describe() {
    return dir == null ? "a private in-memory database" : "directory " + dir;
  }

  /** Deletes the directory's files (the database, its WAL and shared memory) and the directory. */
  @Override
  public void close() {
    if (dir == null) {
      return;
    }
    try {
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.list(dir)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            Files.deleteIfExists(f);
          }
        }
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      throw new StorageException("cannot delete scratch directory " + dir + ": " + e, false, e);
    }
  }
}
