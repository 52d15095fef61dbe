package dev.harbor.state.crypto;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.EventId;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanContinuations;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.StoreCore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Payload encryption around any driver's store: {@link #wrap} returns a store with the whole
 * contract whose payloads are sealed on the client under the tenant's current data key.
 *
 * <pre>{@code
 * KeyEncryptionKey kek = KeyEncryptionKey.fromEnvironment("HARBOR_STATE_KEK");
 * TenantKeys keys = TenantKeys.keyring(Path.of("/var/lib/app/keyring"), kek);
 * StateStore store = PayloadEncryption.wrap(StateStores.open(location), keys);
 * }</pre>
 *
 * <p>Only payloads are sealed. Tenant, user, session, run, kind, event id, version and timestamps
 * stay in clear: they are the store's keys and indexes.
 *
 * <p>The payload limit: sealing adds {@link #OVERHEAD_BYTES} bytes, so the wrapped store accepts
 * payloads up to the inner store's {@code maxPayloadBytes} minus that. To offer the contract's 16
 * MiB, open the inner store with {@code maxPayloadBytes=16777250} (16 MiB plus the overhead).
 */
public final class PayloadEncryption {

  /** Bytes sealing adds to every payload (format byte, key id, nonce, tag). */
  public static final int OVERHEAD_BYTES = Envelope.OVERHEAD;

  /** Rows per page when rekey walks a tenant. */
  private static final int REKEY_PAGE = 256;

  private PayloadEncryption() {}

  /**
   * Wraps a store: payloads are sealed with the tenant's keys on every write and opened on every
   * read. Closing the wrapped store closes {@code inner}; the keys stay open (they may serve
   * several stores).
   *
   * @param inner any driver's store
   * @param keys the tenants' keys
   * @return the encrypting store
   * @throws NullPointerException if an argument is null
   */
  public static StateStore wrap(StateStore inner, TenantKeys keys) {
    Objects.requireNonNull(inner, "inner");
    Objects.requireNonNull(keys, "keys");
    return new EncryptedStore(inner, (Keyring) keys, plaintextLimit(inner));
  }

  /**
   * The largest payload a store accepts: for a store {@link #wrap} returned, the plaintext limit
   * (the inner store's {@code maxPayloadBytes} minus {@link #OVERHEAD_BYTES}); for a driver's
   * store, its {@code maxPayloadBytes}. For tools that size their input to what the store accepts.
   *
   * @param store a wrapped store or a driver's store
   * @return bytes
   * @throws NullPointerException if {@code store} is null
   * @throws IllegalArgumentException if the store is neither
   */
  public static int maxPayloadBytes(StateStore store) {
    Objects.requireNonNull(store, "store");
    if (store instanceof EncryptedStore sealed) {
      return sealed.maxPlaintextBytes();
    }
    return StoreCore.limits(store).maxPayloadBytes();
  }

  /**
   * The largest payload a store wrapped around {@code inner} accepts: the inner store's {@code
   * maxPayloadBytes} minus {@link #OVERHEAD_BYTES}.
   *
   * @param inner a driver's store
   * @return bytes
   */
  static int plaintextLimit(StateStore inner) {
    int innerLimit;
    try {
      innerLimit = StoreCore.limits(inner).maxPayloadBytes();
    } catch (IllegalArgumentException notADriversStore) {
      innerLimit = Integer.MAX_VALUE; // a hand-written store applies its own limit
    }
    return Math.max(0, innerLimit - OVERHEAD_BYTES);
  }

  /**
   * Re-seals every payload of a tenant that is not under the tenant's current key version, one
   * record at a time, each an atomic {@code saveIf} expecting exactly the record it read: a record
   * a concurrent writer replaced meanwhile is left to that writer, never overwritten.
   *
   * <p>A re-sealed record keeps its slot, version, payload and {@code updatedAt}, but gets a new
   * event id: the contract makes an event id the idempotency key of one content, and the stored
   * bytes change. A retry of the original write afterwards is a fresh write of the same payload.
   *
   * @param inner the store as written, not wrapped
   * @param keys the keyring the payloads were sealed with
   * @param tenantId the tenant
   * @return how many records were re-sealed
   * @throws NullPointerException if an argument is null
   * @throws IdentityRequiredException if the tenant id is empty
   * @throws dev.harbor.state.StorageException if a payload cannot be opened (tampered, another
   *     tenant's, shredded) or the store fails; what was re-sealed before stays re-sealed
   */
  public static int rekey(StateStore inner, TenantKeys keys, String tenantId) {
    Objects.requireNonNull(inner, "inner");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(tenantId, "tenantId");
    if (tenantId.isEmpty()) {
      throw new IdentityRequiredException("rekey needs a tenant");
    }
    Keyring keyring = (Keyring) keys;
    EncryptedStore sealer = new EncryptedStore(inner, keyring, plaintextLimit(inner));
    int count = 0;
    // scanAll orders by (tenant, user, session, run, kind). No slot sorts before
    // (T, U+0001, U+0001, "", U+0001) within T except itself (user, session and kind are non-empty
    // and hold no NUL), so that slot is looked up on its own and the scan starts right after it.
    Quadruple first = new Quadruple(tenantId, "\u0001", "\u0001", "");
    Optional<StateRecord> head = inner.find(first, "\u0001");
    if (head.isPresent() && rekeyOne(inner, keyring, sealer, head.get())) {
      count++;
    }
    String continuation =
        ScanContinuations.encodeAll(
            ListScope.MAINTENANCE, StateRecord.of(EventId.of("x"), first, "\u0001", new byte[0]));
    while (true) {
      ScanPage page = inner.scanAll(ListScope.MAINTENANCE, REKEY_PAGE, continuation);
      for (StateRecord r : page.records()) {
        if (!r.identity().tenantId().equals(tenantId)) {
          return count;
        }
        if (rekeyOne(inner, keyring, sealer, r)) {
          count++;
        }
      }
      if (page.isLast()) {
        return count;
      }
      continuation = page.continuation();
    }
  }

  private static boolean rekeyOne(
      StateStore inner, Keyring keyring, EncryptedStore sealer, StateRecord stored) {
    String tenant = stored.identity().tenantId();
    Optional<Integer> version = EncryptedStore.keyVersion(stored);
    if (version.isPresent() && version.get() == keyring.forWrite(tenant).primaryId()) {
      return false;
    }
    StateRecord plain = sealer.open(stored); // refuses what is not this slot's envelope
    StateRecord next = sealer.seal(plain).withId(EventId.newId());
    try {
      inner.saveIf(
          List.of(SlotExpectation.exact(stored.identity(), stored.kind(), stored.id())), next);
      return true;
    } catch (ConditionFailedException replacedMeanwhile) {
      return false;
    }
  }
}
