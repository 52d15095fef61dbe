package dev.harbor.state.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.crypto.KeyUnavailableException.Reason;
import dev.harbor.state.spi.Limits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The local keyring: {@code <stem>.keyset.json} per tenant (a Tink keyset encrypted with the KEK,
 * its associated data the tenant id, so a file copied to another tenant's name does not open),
 * {@code <stem>.shredded} once shredded, {@code <stem>.lock} for the read-modify-write lock.
 *
 * <p>Keysets are cached in memory. A call stats the tenant's keyset file (no read) when its cached
 * keyset was last checked {@link #CHECK_INTERVAL_NANOS} (50 ms) or more ago: a file replaced by
 * another instance (a rotation) has a new stamp and is read again; a file gone (a shred) sends the
 * call to the tombstone. So a shred by another instance or process is refused by every call that
 * starts 50 ms or more after it (a shred through this instance at once), and a key version unknown
 * to the cache is read from the file at once. A stat per call cost as much as the whole cached load
 * it guarded (4-8 µs against ~6 µs on a loaded machine), hence the interval.
 */
final class Keyring implements TenantKeys {

  private static final String KEYSET = ".keyset.json";
  private static final String TOMBSTONE = ".shredded";
  private static final byte[] KEYSET_DOMAIN =
      "harbor-state/keyset\u0000".getBytes(StandardCharsets.UTF_8);

  static final String DESTROYED = "the tenant's keys were destroyed (crypto-shredded)";

  /** How long a cached keyset is used without a look at its file: the bound on seeing a shred. */
  static final long CHECK_INTERVAL_NANOS = 50_000_000L;

  private final Path dir;
  private final Aead kek;
  private final ConcurrentHashMap<String, Loaded> cache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Path> keysetFiles = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** A tenant's keyset as read, the stamp of the file it came from, and when that was checked. */
  record Loaded(
      Aead aead,
      int primaryId,
      Set<Integer> ids,
      KeysetHandle handle,
      KeyringFiles.@Nullable Stamp stamp,
      long checkedAt) {
    Loaded checkedAt(long now) {
      return new Loaded(aead, primaryId, ids, handle, stamp, now);
    }
  }

  /** A monotonic clock for the check interval (never the wall clock); tests step it. */
  private final LongSupplier ticker;

  Keyring(Path directory, TinkKek kek) {
    this(directory, kek, System::nanoTime);
  }

  Keyring(Path directory, TinkKek kek, LongSupplier ticker) {
    this.ticker = ticker;
    Crypto.register();
    this.dir = directory.toAbsolutePath().normalize();
    this.kek = kek.aead();
    try {
      KeyringFiles.ensureDirectory(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot create the keyring directory " + dir, e);
    }
  }

  // ---- for the store ----

  /** The tenant's keyset for a new seal (created on first use); throws if shredded. */
  Loaded forWrite(String tenantId) {
    return current(tenantId, true);
  }

  /** The tenant's keyset holding {@code keyId}; re-reads once before calling it unknown. */
  Loaded forRead(String tenantId, int keyId) {
    Loaded loaded = current(tenantId, false);
    if (loaded.ids().contains(keyId)) {
      return loaded;
    }
    // Another instance may have rotated within the stamp's resolution: read the file again.
    loaded = reload(tenantId);
    if (loaded.ids().contains(keyId)) {
      return loaded;
    }
    throw new KeyUnavailableException(
        Reason.UNKNOWN_VERSION,
        "it was sealed under key version "
            + Integer.toUnsignedString(keyId)
            + ", which the tenant's keyset does not hold");
  }

  private Loaded current(String tenantId, boolean create) {
    ensureOpen();
    long now = ticker.getAsLong();
    Loaded fresh = cache.get(tenantId);
    if (fresh != null && now - fresh.checkedAt() < CHECK_INTERVAL_NANOS) {
      return fresh;
    }
    // Time to look at the file: one map lookup for its path, one stat.
    Path file =
        keysetFiles.computeIfAbsent(tenantId, t -> dir.resolve(KeyringFiles.stem(t) + KEYSET));
    KeyringFiles.Stamp stamp;
    try {
      stamp = KeyringFiles.stamp(file);
    } catch (IOException e) {
      throw io(e);
    }
    Loaded cached = cache.get(tenantId);
    if (stamp != null && cached != null && stamp.equals(cached.stamp())) {
      Loaded checked = cached.checkedAt(now);
      cache.replace(tenantId, cached, checked); // not over a newer keyset another thread read
      return checked;
    }
    String stem = KeyringFiles.stem(tenantId);
    if (stamp == null) {
      cache.remove(tenantId);
      if (Files.exists(dir.resolve(stem + TOMBSTONE))) {
        throw new KeyUnavailableException(Reason.DESTROYED, DESTROYED);
      }
      if (!create) {
        throw new KeyUnavailableException(
            Reason.NO_KEYS, "the keyring " + dir + " holds no keys for the tenant");
      }
      return locked(stem, () -> createIfMissing(tenantId, stem));
    }
    return reload(tenantId);
  }

  private Loaded reload(String tenantId) {
    String stem = KeyringFiles.stem(tenantId);
    Path file = dir.resolve(stem + KEYSET);
    try {
      KeyringFiles.Stamp stamp = KeyringFiles.stamp(file);
      String json = KeyringFiles.readOrNull(file);
      if (json == null) {
        // Shredded between the stat and the read: let current() find the tombstone.
        return current(tenantId, false);
      }
      Loaded loaded = parse(tenantId, json, stamp);
      cache.put(tenantId, loaded);
      return loaded;
    } catch (IOException e) {
      throw io(e);
    }
  }

  // ---- TenantKeys ----

  @Override
  public void rotate(String tenantId) {
    check(tenantId);
    String stem = KeyringFiles.stem(tenantId);
    try {
      locked(
          stem,
          () -> {
            Loaded now = createIfMissing(tenantId, stem);
            KeysetHandle next =
                KeysetHandle.newBuilder(now.handle())
                    .addEntry(
                        KeysetHandle.generateEntryFromParameters(
                                PredefinedAeadParameters.AES256_GCM)
                            .withRandomId()
                            .makePrimary())
                    .build();
            return write(tenantId, stem, next);
          });
    } catch (KeyUnavailableException e) {
      throw asStorage(tenantId, e);
    }
  }

  @Override
  public void shred(String tenantId) {
    check(tenantId);
    String stem = KeyringFiles.stem(tenantId);
    try {
      locked(
          stem,
          () -> {
            // The tombstone first: from this instant on a reader that misses the keyset file
            // finds it and says "destroyed", never "no keys".
            if (!Files.exists(dir.resolve(stem + TOMBSTONE))) {
              KeyringFiles.writeAtomically(dir, stem + TOMBSTONE, "shredded\n", true);
            }
            Files.deleteIfExists(dir.resolve(stem + KEYSET));
            KeyringFiles.forceDirectory(dir);
            cache.remove(tenantId);
            return Boolean.TRUE;
          });
    } catch (KeyUnavailableException e) {
      throw asStorage(tenantId, e);
    }
  }

  @Override
  public void close() {
    closed = true;
    cache.clear();
    keysetFiles.clear();
  }

  @Override
  public String toString() {
    return "TenantKeys.keyring(" + dir + ")";
  }

  // ---- internals ----

  private void ensureOpen() {
    if (closed) {
      throw new StoreClosedException("the keyring " + dir + " is closed");
    }
  }

  private void check(String tenantId) {
    Objects.requireNonNull(tenantId, "tenantId");
    ensureOpen();
    if (tenantId.isEmpty()) {
      throw new IdentityRequiredException("the tenant id is empty");
    }
    if (tenantId.indexOf('\u0000') >= 0
        || tenantId.getBytes(StandardCharsets.UTF_8).length > Limits.MAX_KEY_BYTES) {
      throw new InvalidRecordException(
          "the tenant id holds NUL or is longer than " + Limits.MAX_KEY_BYTES + " UTF-8 bytes");
    }
    try {
      KeyringFiles.stem(tenantId);
    } catch (IllegalArgumentException e) {
      throw new InvalidRecordException("the tenant id holds a lone surrogate", e);
    }
  }

  /** Under the lock: the tenant's keyset, created if it has none; refuses if shredded. */
  private Loaded createIfMissing(String tenantId, String stem)
      throws IOException, GeneralSecurityException {
    if (Files.exists(dir.resolve(stem + TOMBSTONE))) {
      throw new KeyUnavailableException(Reason.DESTROYED, DESTROYED);
    }
    Path file = dir.resolve(stem + KEYSET);
    String json = KeyringFiles.readOrNull(file);
    if (json != null) {
      Loaded loaded = parse(tenantId, json, KeyringFiles.stamp(file));
      cache.put(tenantId, loaded);
      return loaded;
    }
    return write(
        tenantId,
        stem,
        KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM, RegistryConfiguration.get()));
  }

  private Loaded write(String tenantId, String stem, KeysetHandle handle)
      throws IOException, GeneralSecurityException {
    String json =
        TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(
            handle, kek, keysetAd(tenantId), RegistryConfiguration.get());
    KeyringFiles.writeAtomically(dir, stem + KEYSET, json, true);
    Loaded loaded = loaded(handle, KeyringFiles.stamp(dir.resolve(stem + KEYSET)));
    cache.put(tenantId, loaded);
    return loaded;
  }

  private Loaded parse(String tenantId, String json, KeyringFiles.@Nullable Stamp stamp) {
    try {
      return loaded(
          TinkJsonProtoKeysetFormat.parseEncryptedKeyset(
              json, kek, keysetAd(tenantId), RegistryConfiguration.get()),
          stamp);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new KeyUnavailableException(
          Reason.NO_KEYS,
          "the tenant's keyset in "
              + dir
              + " does not open with this key-encryption key (another KEK, or a file of another"
              + " tenant)",
          e);
    }
  }

  private Loaded loaded(KeysetHandle handle, KeyringFiles.@Nullable Stamp stamp)
      throws GeneralSecurityException {
    Set<Integer> ids = new HashSet<>();
    for (int i = 0; i < handle.size(); i++) {
      ids.add(handle.getAt(i).getId());
    }
    return new Loaded(
        handle.getPrimitive(RegistryConfiguration.get(), Aead.class),
        handle.getPrimary().getId(),
        Set.copyOf(ids),
        handle,
        stamp,
        ticker.getAsLong());
  }

  private static byte[] keysetAd(String tenantId) {
    byte[] t = tenantId.getBytes(StandardCharsets.UTF_8);
    byte[] ad = new byte[KEYSET_DOMAIN.length + t.length];
    System.arraycopy(KEYSET_DOMAIN, 0, ad, 0, KEYSET_DOMAIN.length);
    System.arraycopy(t, 0, ad, KEYSET_DOMAIN.length, t.length);
    return ad;
  }

  /** A body run under the tenant's lock. */
  private interface LockedBody<T> {
    T run() throws IOException, GeneralSecurityException;
  }

  private <T> T locked(String stem, LockedBody<T> body) {
    try {
      return KeyringFiles.locked(
          dir,
          stem,
          () -> {
            try {
              return body.run();
            } catch (GeneralSecurityException e) {
              throw new IOException("Tink failed on the tenant's keyset", e);
            }
          });
    } catch (IOException e) {
      throw io(e);
    }
  }

  private KeyUnavailableException io(IOException e) {
    return new KeyUnavailableException(Reason.IO, "the keyring " + dir + " failed: " + e, e);
  }

  private static StorageException asStorage(String tenantId, KeyUnavailableException e) {
    return new StorageException(
        "tenant " + tenantId + ": " + e.getMessage(), e.reason() == Reason.IO, e);
  }
}
