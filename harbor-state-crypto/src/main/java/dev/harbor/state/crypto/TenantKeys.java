package dev.harbor.state.crypto;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where each tenant's data keys live. A tenant's keyset holds every key version it ever had (until
 * {@link #shred}); the primary version seals new writes, and any version opens what it sealed.
 *
 * <p>Thread-safe. Several instances, in one process or many, may share a keyring directory: each
 * change of a tenant's keyset is a locked read-modify-write that replaces the file atomically. An
 * instance reads a key version it does not know from the file at once, and sees another instance's
 * shred in every call that starts 50 ms or more after it (its own shred at once).
 */
public sealed interface TenantKeys extends AutoCloseable permits Keyring {

  /**
   * A local keyring: one Tink keyset per tenant in {@code directory}, each encrypted with {@code
   * kek} and bound to its tenant, written atomically with owner-only permissions (the directory
   * 0700, files 0600). A tenant's keyset is created on its first sealed write.
   *
   * @param directory the keyring directory; created if missing
   * @param kek the key-encryption key that wraps every keyset
   * @return the keyring
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the directory cannot be created
   */
  static TenantKeys keyring(Path directory, KeyEncryptionKey kek) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(kek, "kek");
    return new Keyring(directory, (TinkKek) kek);
  }

  /**
   * Starts a new key version for the tenant: new writes are sealed with it, and payloads sealed
   * under older versions stay readable ({@code harbor-state rekey} re-seals them). Creates the
   * tenant's keyset if it has none.
   *
   * @param tenantId the tenant
   * @throws dev.harbor.state.IdentityRequiredException if the tenant id is empty
   * @throws dev.harbor.state.InvalidRecordException if it is not a valid tenant id (NUL, a lone
   *     surrogate, more than 256 UTF-8 bytes)
   * @throws dev.harbor.state.StorageException if the tenant's keys were destroyed, or the keyring
   *     cannot be written
   */
  void rotate(String tenantId);

  /**
   * Crypto-shredding: destroys every key version of the tenant and leaves a tombstone. Afterwards
   * every payload of the tenant, wherever a copy of the ciphertext lies (the store, an export, a
   * backup of the database), is unreadable: reads fail with a {@link
   * dev.harbor.state.StorageException} saying the tenant's keys were destroyed, and writes for the
   * tenant are refused the same way. Idempotent. Other instances sharing the keyring refuse from 50
   * ms after it on (they look at the keyset file at most that long after their last look).
   *
   * <p>It cannot reach a backup of the keyring directory itself (restoring one restores the keys),
   * nor a payload an application already read and copied elsewhere.
   *
   * @param tenantId the tenant
   * @throws dev.harbor.state.IdentityRequiredException if the tenant id is empty
   * @throws dev.harbor.state.InvalidRecordException if it is not a valid tenant id
   * @throws dev.harbor.state.StorageException if the keyring cannot be written
   */
  void shred(String tenantId);

  /** Drops the cached keysets. Stores still wrapped with this keyring fail their next call. */
  @Override
  void close();
}
