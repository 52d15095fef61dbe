package dev.harbor.state.crypto;

import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.Identity;
import dev.harbor.state.ListScope;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.StoreClosedException;
import dev.harbor.state.crypto.KeyUnavailableException.Reason;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreErrors;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The wrapped store: seals every payload on the way in, opens it on the way out, and passes every
 * other argument and result through unchanged. See the package documentation for the design.
 */
final class EncryptedStore implements StateStore {

  /** Rounds of "conflict, find the replays, resubmit" before the conflict stands. */
  private static final int REPLAY_ROUNDS = 4;

  private final StateStore inner;
  private final Keyring keys;
  private final int maxPlaintextBytes;
  private volatile boolean closed;

  EncryptedStore(StateStore inner, Keyring keys, int maxPlaintextBytes) {
    this.inner = inner;
    this.keys = keys;
    this.maxPlaintextBytes = maxPlaintextBytes;
  }

  int maxPlaintextBytes() {
    return maxPlaintextBytes;
  }

  // ---- sealing and opening ----

  /** Seals a record's payload under the tenant's primary key, bound to its slot. */
  StateRecord seal(StateRecord plain) {
    Quadruple q = plain.identity();
    Keyring.Loaded key;
    try {
      key = keys.forWrite(q.tenantId());
    } catch (KeyUnavailableException e) {
      throw refused(plain.identity(), plain.kind(), "cannot be sealed", e);
    }
    return plain.withBytes(seal(key, plain));
  }

  private byte[] seal(Keyring.Loaded key, StateRecord plain) {
    try {
      return Envelope.wrap(
          key.aead()
              .encrypt(plain.bytes(), Envelope.associatedData(plain.identity(), plain.kind())));
    } catch (GeneralSecurityException e) {
      throw new StorageException(
          "payload for slot "
              + StoreErrors.describe(plain.identity(), plain.kind())
              + " cannot be sealed: "
              + e.getMessage(),
          false,
          e);
    }
  }

  /** The record with its payload opened; refuses anything that is not this slot's envelope. */
  StateRecord open(StateRecord sealed) {
    return sealed.withBytes(openBytes(sealed));
  }

  private byte[] openBytes(StateRecord sealed) {
    byte[] envelope = sealed.bytes();
    Quadruple q = sealed.identity();
    if (!Envelope.looksSealed(envelope)) {
      throw refusedPayload(
          sealed,
          "is not a sealed envelope (written without encryption, truncated or of another format)",
          null);
    }
    Keyring.Loaded key;
    try {
      key = keys.forRead(q.tenantId(), Envelope.keyId(envelope));
    } catch (KeyUnavailableException e) {
      throw refused(q, sealed.kind(), "cannot be opened", e);
    }
    try {
      return key.aead()
          .decrypt(Envelope.unwrap(envelope), Envelope.associatedData(q, sealed.kind()));
    } catch (GeneralSecurityException e) {
      throw refusedPayload(
          sealed,
          "fails to authenticate: it was sealed for another slot or tenant, or truncated or"
              + " tampered with",
          e);
    }
  }

  /** The key version that sealed a stored payload, or empty if it is no envelope. */
  static Optional<Integer> keyVersion(StateRecord sealed) {
    byte[] b = sealed.bytes();
    return Envelope.looksSealed(b) ? Optional.of(Envelope.keyId(b)) : Optional.empty();
  }

  private static StorageException refusedPayload(
      StateRecord r, String why, @Nullable Throwable cause) {
    return new StorageException(
        "the payload at slot " + StoreErrors.describe(r.identity(), r.kind()) + " " + why,
        false,
        cause);
  }

  private static StorageException refused(
      Quadruple q, String kind, String what, KeyUnavailableException e) {
    return new StorageException(
        "the payload at slot " + StoreErrors.describe(q, kind) + " " + what + ": " + e.getMessage(),
        e.reason() == Reason.IO,
        e);
  }

  private List<StateRecord> openAll(List<StateRecord> sealed) {
    List<StateRecord> out = new ArrayList<>(sealed.size());
    for (StateRecord r : sealed) {
      out.add(open(r));
    }
    return out;
  }

  private ScanPage openPage(ScanPage page) {
    return new ScanPage(openAll(page.records()), page.continuation());
  }

  // ---- the checks the store would make before touching storage ----

  /** Closed, interrupted, then each record's own checks against the plaintext limit. */
  private void checkWrites(List<StateRecord> records) {
    if (closed) {
      throw new StoreClosedException("the store is closed");
    }
    if (Thread.currentThread().isInterrupted()) {
      throw new OperationCancelledException("the calling thread is interrupted");
    }
    for (StateRecord r : records) {
      StoreCore.checkRecord(Objects.requireNonNull(r, "record"), maxPlaintextBytes);
    }
  }

  // ---- writes: seal, write, and on a conflict tell a replay from a conflict ----

  /**
   * Seals the writes and hands them to {@code write}. A conflict may be a replay whose first
   * attempt was sealed with another nonce (or key version): the live record of each event id is
   * looked up in its tenant and opened; where it holds this write's slot, version and plaintext,
   * its stored envelope replaces the fresh one, and the call is made again, so the inner store sees
   * exactly the replay it would see unwrapped and answers as it would.
   */
  private void write(List<StateRecord> plain, Consumer<List<StateRecord>> write) {
    checkWrites(plain);
    List<StateRecord> sealed = new ArrayList<>(plain.size());
    for (StateRecord r : plain) {
      sealed.add(seal(r));
    }
    for (int round = 1; ; round++) {
      try {
        write.accept(sealed);
        return;
      } catch (IdempotencyConflictException conflict) {
        List<StateRecord> replayed = round < REPLAY_ROUNDS ? replays(plain, sealed) : null;
        if (replayed == null) {
          throw conflict;
        }
        sealed = replayed;
      }
    }
  }

  /** The writes with each replay's stored envelope, or null if no write changed. */
  private @Nullable List<StateRecord> replays(List<StateRecord> plain, List<StateRecord> sealed) {
    List<StateRecord> out = new ArrayList<>(sealed);
    boolean changed = false;
    for (int i = 0; i < plain.size(); i++) {
      StateRecord p = plain.get(i);
      Optional<StateRecord> live = inner.findByEventId(p.identity().tenantId(), p.id());
      if (live.isEmpty()) {
        continue;
      }
      StateRecord stored = live.get();
      if (!stored.identity().equals(p.identity())
          || !stored.kind().equals(p.kind())
          || stored.version() != p.version()
          || stored.sameBytes(sealed.get(i))) {
        continue;
      }
      byte[] opened;
      try {
        opened = openBytes(stored);
      } catch (StorageException e) {
        continue; // not ours to open: the conflict stands for this write
      }
      if (Arrays.equals(opened, p.bytes())) {
        out.set(i, sealed.get(i).withBytes(stored.bytes()));
        changed = true;
      }
    }
    return changed ? out : null;
  }

  @Override
  public void save(StateRecord record) {
    Objects.requireNonNull(record, "record");
    write(List.of(record), s -> inner.save(s.get(0)));
  }

  @Override
  public void saveAll(List<StateRecord> records) {
    Objects.requireNonNull(records, "records");
    write(records, inner::saveAll);
  }

  @Override
  public void saveIf(List<SlotExpectation> expectations, StateRecord next) {
    Objects.requireNonNull(expectations, "expectations");
    Objects.requireNonNull(next, "next");
    write(List.of(next), s -> inner.saveIf(expectations, s.get(0)));
  }

  @Override
  public void saveBatchIf(List<SlotExpectation> expectations, List<StateRecord> writes) {
    Objects.requireNonNull(expectations, "expectations");
    Objects.requireNonNull(writes, "writes");
    write(writes, s -> inner.saveBatchIf(expectations, s));
  }

  // ---- passed through: no payload goes in or comes out ----

  @Override
  public boolean deleteIf(SlotExpectation expectation) {
    return inner.deleteIf(expectation);
  }

  @Override
  public void fenceIf(SlotExpectation expectation, Runnable action) {
    inner.fenceIf(expectation, action);
  }

  @Override
  public void delete(Quadruple identity, String kind) {
    inner.delete(identity, kind);
  }

  @Override
  public int deleteScope(Identity identity) {
    return inner.deleteScope(identity);
  }

  @Override
  public int purge(
      ListScope scope, String tenantId, String kindPrefix, Instant olderThan, int limit) {
    return inner.purge(scope, tenantId, kindPrefix, olderThan, limit);
  }

  @Override
  public int eraseUser(ListScope scope, String tenantId, String userId, int limit) {
    return inner.eraseUser(scope, tenantId, userId, limit);
  }

  @Override
  public int eraseTenant(ListScope scope, String tenantId, int limit) {
    return inner.eraseTenant(scope, tenantId, limit);
  }

  // ---- reads: every payload that comes out is opened ----

  @Override
  public Optional<StateRecord> find(Quadruple identity, String kind) {
    return inner.find(identity, kind).map(this::open);
  }

  @Override
  public StateRecord load(Quadruple identity, String kind) {
    return open(inner.load(identity, kind));
  }

  @Override
  public Optional<StateRecord> findByEventId(EventId eventId) {
    return inner.findByEventId(eventId).map(this::open);
  }

  @Override
  public StateRecord loadByEventId(EventId eventId) {
    return open(inner.loadByEventId(eventId));
  }

  @Override
  public Optional<StateRecord> findByEventId(String tenantId, EventId eventId) {
    return inner.findByEventId(tenantId, eventId).map(this::open);
  }

  @Override
  public StateRecord loadByEventId(String tenantId, EventId eventId) {
    return open(inner.loadByEventId(tenantId, eventId));
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix) {
    return openAll(inner.listKind(scope, kindPrefix));
  }

  @Override
  public List<StateRecord> listKind(ListScope scope, String kindPrefix, int limit) {
    return openAll(inner.listKind(scope, kindPrefix, limit));
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix) {
    return openAll(inner.listKindForIdentity(identity, kindPrefix));
  }

  @Override
  public List<StateRecord> listKindForIdentity(Quadruple identity, String kindPrefix, int limit) {
    return openAll(inner.listKindForIdentity(identity, kindPrefix, limit));
  }

  @Override
  public ScanPage scanKindForTenant(
      ListScope scope, String tenantId, String kindPrefix, int limit, String continuation) {
    return openPage(inner.scanKindForTenant(scope, tenantId, kindPrefix, limit, continuation));
  }

  @Override
  public ScanPage scanAll(ListScope scope, int limit, String continuation) {
    return openPage(inner.scanAll(scope, limit, continuation));
  }

  @Override
  public String driverName() {
    return inner.driverName();
  }

  /** Closes the inner store; the keyring belongs to the caller and stays open. */
  @Override
  public void close() {
    closed = true;
    inner.close();
  }

  @Override
  public String toString() {
    return "PayloadEncryption.wrap(" + inner + ")";
  }
}
