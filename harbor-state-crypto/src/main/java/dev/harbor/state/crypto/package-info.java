/**
 * Payload encryption with per-tenant keys and crypto-shredding (SPEC §10): {@link
 * dev.harbor.state.crypto.PayloadEncryption#wrap} around any driver's store, a local {@link
 * dev.harbor.state.crypto.TenantKeys#keyring keyring} of Tink keysets wrapped by a {@link
 * dev.harbor.state.crypto.KeyEncryptionKey}.
 *
 * <h2>The envelope</h2>
 *
 * <p>A sealed payload is one format byte ({@code 0x81}) and a Tink AEAD ciphertext under the
 * tenant's primary AES-256-GCM key, whose 5-byte Tink prefix names the key (its id is the key
 * version). The associated data is the format byte and the slot (tenant, user, session, run, kind),
 * every field length-prefixed, so no two slots share an encoding. A ciphertext copied to another
 * slot or tenant, a plaintext row, a truncated or tampered envelope, a key version the keyring does
 * not hold, and a shredded tenant are each refused with a non-transient {@code StorageException}
 * naming the slot; a read never returns wrong bytes. Sealing adds {@link
 * dev.harbor.state.crypto.PayloadEncryption#OVERHEAD_BYTES} bytes; the wrapped store's payload
 * limit is the inner store's minus that (open the inner store with 16 MiB plus the overhead to keep
 * the contract's 16 MiB).
 *
 * <h2>Why idempotent replays compare after opening</h2>
 *
 * <p>The contract makes a retried write with the same event id and content a no-op. Random nonces
 * make two seals of one plaintext differ, so the inner store sees a retry as an {@code
 * IdempotencyConflictException}. Three ways out were weighed:
 *
 * <ul>
 *   <li>Deterministic AEAD (AES-SIV) makes equal inputs seal equally, but only under one key: after
 *       {@code rotate} a retry seals under the new version and conflicts again, so it needs the
 *       fallback below anyway, and it reveals which slots hold equal payloads.
 *   <li>A keyed digest of the plaintext stored beside the ciphertext needs a column the drivers do
 *       not have and the same care about key versions.
 *   <li>Comparing after opening needs nothing from the drivers and holds across rotations. It is
 *       what this package does.
 * </ul>
 *
 * <p>Every write seals with a fresh random nonce (the fast path costs one AEAD and no read). Only
 * when the inner store answers {@code IdempotencyConflictException} does the wrapper look up each
 * write's event id in the write's own tenant (the scoped lookup, so another tenant's record is
 * never opened or compared), open what is stored, and compare slot, version and plaintext. Where
 * they are equal the write is a replay: its fresh envelope is replaced by the stored one and the
 * call is made again, so the inner store sees the exact replay it would see without encryption and
 * answers as it would (for {@code saveIf} it re-checks the expectations atomically; for {@code
 * saveAll} and {@code saveBatchIf} the batch stays all-or-nothing). Anything else keeps the
 * original conflict, message unchanged. Two identical retries racing: one wins, the other
 * conflicts, finds the winner's envelope, and resubmits it as a replay. The cost is one scoped
 * lookup per write of a conflict, and only then.
 *
 * <h2>The keyring</h2>
 *
 * <p>One Tink keyset per tenant in {@code <stem>.keyset.json}, encrypted with the KEK and bound to
 * its tenant id as associated data; {@code stem} is {@code x-} and the hex of the tenant id's UTF-8
 * bytes (or {@code h-} and its SHA-256 for ids over 100 bytes): injective, lower-case, never a path
 * separator. Writes are temporary file (0600), fsync, atomic move, fsync of the directory (0700). A
 * read-modify-write of a keyset holds a JVM lock stripe and a file lock on {@code <stem>.lock}, so
 * store instances and processes sharing the directory never lose a rotation. Keysets are cached; a
 * call stats the keyset file (no read) when the cached keyset was last checked 50 ms or more ago,
 * so another process's shred is refused by every call that starts 50 ms or more after it (a stat on
 * every call cost as much as a whole cached load); a key version unknown to the cache (another
 * process rotated and wrote) is read from the file at once, before it is refused.
 *
 * <p>{@code shred} writes a tombstone {@code <stem>.shredded}, then deletes the keyset: reads say
 * the tenant's keys were destroyed. A later write for that tenant is refused the same way, so a
 * stale application instance cannot start a fresh keyset under an erased tenant's id; an operator
 * who wants to reuse the id deletes the tombstone.
 */
@NullMarked
package dev.harbor.state.crypto;

import org.jspecify.annotations.NullMarked;
