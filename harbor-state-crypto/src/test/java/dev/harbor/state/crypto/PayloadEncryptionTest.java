package dev.harbor.state.crypto;

import static dev.harbor.state.SlotExpectation.exact;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateConfig;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StateStores;
import dev.harbor.state.StorageException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What only encryption adds to the contract: refusals, shredding, replays across rotation. */
class PayloadEncryptionTest {

  static final Quadruple A = new Quadruple("tenant-a", "u", "s", "r");
  static final Quadruple A2 = new Quadruple("tenant-a", "u", "s", "r2");
  static final Quadruple B = new Quadruple("tenant-b", "u", "s", "r");
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  Path dir;
  TenantKeys keys;
  StateStore inner;
  StateStore store;

  @BeforeEach
  void open() {
    dir = TestKeys.newDirectory("harbor-crypto-test");
    keys = TestKeys.newKeyring(dir);
    inner =
        StateStores.open(
            TestKeys.withRoomForEnvelope(StateConfig.builder().driver("inmem").build()));
    store = PayloadEncryption.wrap(inner, keys);
  }

  @AfterEach
  void close() {
    store.close();
    keys.close();
    TestKeys.deleteRecursively(dir);
  }

  static StateRecord rec(Quadruple q, String kind, String payload) {
    return StateRecord.of(EventId.newId(), q, kind, payload.getBytes(StandardCharsets.UTF_8))
        .withUpdatedAt(T0);
  }

  static String text(StateRecord r) {
    return new String(r.bytes(), StandardCharsets.UTF_8);
  }

  // ---- sealing ----

  @Test
  void save_storesAnEnvelope_loadReturnsThePlaintext() {
    StateRecord r = rec(A, "k", "hello, tenant a");
    store.save(r);
    StateRecord raw = inner.load(A, "k");
    assertThat(raw.size()).isEqualTo(r.size() + PayloadEncryption.OVERHEAD_BYTES);
    assertThat(new String(raw.bytes(), StandardCharsets.ISO_8859_1)).doesNotContain("hello");
    assertThat(store.load(A, "k")).isEqualTo(r);
    assertThat(store.loadByEventId("tenant-a", r.id())).isEqualTo(r);
    assertThat(store.listKindForIdentity(A, "k")).containsExactly(r);
  }

  @Test
  void twoSealsOfOnePayload_differ() {
    store.save(rec(A, "k", "same"));
    store.save(rec(A2, "k", "same"));
    assertThat(inner.load(A, "k").bytes()).isNotEqualTo(inner.load(A2, "k").bytes());
  }

  // ---- refusals, each naming the slot ----

  @Test
  void ciphertextMovedToAnotherSlot_isRefused() {
    store.save(rec(A, "k", "secret of slot A"));
    store.save(rec(A2, "k", "secret of slot A2"));
    inner.save(inner.load(A, "k").withSlot(A2, "k").withId(EventId.newId()));
    assertRefused(() -> store.load(A2, "k"), A2, "fails to authenticate");
    assertThat(text(store.load(A, "k"))).isEqualTo("secret of slot A");
  }

  @Test
  void ciphertextMovedToAnotherKind_isRefused() {
    store.save(rec(A, "k1", "secret"));
    inner.save(inner.load(A, "k1").withSlot(A, "k2").withId(EventId.newId()));
    assertRefused(() -> store.load(A, "k2"), A, "fails to authenticate");
  }

  @Test
  void ciphertextMovedToAnotherTenant_isRefused() {
    store.save(rec(A, "k", "secret of tenant a"));
    store.save(rec(B, "k", "secret of tenant b"));
    inner.save(inner.load(A, "k").withSlot(B, "k").withId(EventId.newId()));
    // Tenant b's keyset does not even hold tenant a's key version.
    assertRefused(() -> store.load(B, "k"), B, "key version");
  }

  @Test
  void plaintextRow_isRefused() {
    inner.save(rec(A, "k", "written without encryption"));
    assertRefused(() -> store.load(A, "k"), A, "not a sealed envelope");
    assertRefused(() -> store.listKindForIdentity(A, "k"), A, "not a sealed envelope");
    inner.save(rec(A, "k", ""));
    assertRefused(() -> store.load(A, "k"), A, "not a sealed envelope");
  }

  @Test
  void truncatedEnvelope_isRefused() {
    store.save(rec(A, "k", "some payload"));
    byte[] sealed = inner.load(A, "k").bytes();
    for (int keep : new int[] {sealed.length - 1, PayloadEncryption.OVERHEAD_BYTES, 6, 1}) {
      inner.save(
          inner
              .load(A, "k")
              .withBytes(java.util.Arrays.copyOf(sealed, keep))
              .withId(EventId.newId()));
      assertThatThrownBy(() -> store.load(A, "k"))
          .as("envelope cut to %d bytes", keep)
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("(tenant-a, u, s, r, k)");
    }
  }

  @Test
  void tamperedEnvelope_isRefused() {
    store.save(rec(A, "k", "some payload"));
    byte[] sealed = inner.load(A, "k").bytes();
    for (int i = 6; i < sealed.length; i += 7) {
      byte[] bad = sealed.clone();
      bad[i] ^= 0x01;
      inner.save(inner.load(A, "k").withBytes(bad).withId(EventId.newId()));
      assertRefused(() -> store.load(A, "k"), A, "fails to authenticate");
    }
  }

  @Test
  void unknownKeyVersion_isRefused() {
    store.save(rec(A, "k", "some payload"));
    byte[] bad = inner.load(A, "k").bytes();
    bad[5] ^= 0x01; // the key id's last byte
    inner.save(inner.load(A, "k").withBytes(bad).withId(EventId.newId()));
    assertRefused(() -> store.load(A, "k"), A, "key version");
  }

  @Test
  void anotherKek_cannotOpenTheKeyring() {
    store.save(rec(A, "k", "some payload"));
    Path other = TestKeys.newDirectory("harbor-crypto-other");
    try (TenantKeys wrongKek =
        TenantKeys.keyring(
            dir.resolve("keyring"), KeyEncryptionKey.fromFile(TestKeys.newKekFile(other)))) {
      StateStore wrong = PayloadEncryption.wrap(inner, wrongKek);
      assertRefused(() -> wrong.load(A, "k"), A, "does not open with this key-encryption key");
    } finally {
      TestKeys.deleteRecursively(other);
    }
  }

  // ---- rotation and replays ----

  @Test
  void rotate_newWritesUseTheNewVersion_oldPayloadsStayReadable() {
    StateRecord old = rec(A, "k1", "before rotation");
    store.save(old);
    keys.rotate("tenant-a");
    StateRecord fresh = rec(A, "k2", "after rotation");
    store.save(fresh);
    int v1 = EncryptedStore.keyVersion(inner.load(A, "k1")).orElseThrow();
    int v2 = EncryptedStore.keyVersion(inner.load(A, "k2")).orElseThrow();
    assertThat(v1).isNotEqualTo(v2);
    assertThat(store.load(A, "k1")).isEqualTo(old);
    assertThat(store.load(A, "k2")).isEqualTo(fresh);
  }

  @Test
  void replayAfterRotate_isAReplay_forEveryWrite() {
    StateRecord r1 = rec(A, "k1", "one");
    StateRecord r2 = rec(A, "k2", "two");
    StateRecord r3 = rec(A, "k3", "three");
    store.save(r1);
    store.saveAll(List.of(r2, r3));
    byte[] stored1 = inner.load(A, "k1").bytes();
    keys.rotate("tenant-a");

    store.save(r1.withUpdatedAt(null));
    store.saveAll(List.of(r2, r3));
    store.saveIf(List.of(exact(A, "k1", r1.id())), r1);
    store.saveBatchIf(List.of(exact(A, "k2", r2.id()), exact(A, "k3", r3.id())), List.of(r2, r3));

    assertThat(inner.load(A, "k1").bytes()).as("a replay writes nothing").isEqualTo(stored1);
    assertThat(store.load(A, "k1")).isEqualTo(r1);
    assertThat(store.load(A, "k2")).isEqualTo(r2);
  }

  @Test
  void replayInABatchWithANewRecord_appliesTheNewOne() {
    StateRecord r1 = rec(A, "k1", "one");
    store.save(r1);
    keys.rotate("tenant-a");
    StateRecord r2 = rec(A, "k2", "two");
    store.saveAll(List.of(r1, r2));
    assertThat(store.load(A, "k2")).isEqualTo(r2);
    assertThat(store.load(A, "k1")).isEqualTo(r1);
  }

  @Test
  void sameEventIdDifferentPayload_staysAConflict() {
    StateRecord r = rec(A, "k", "one");
    store.save(r);
    keys.rotate("tenant-a");
    assertThatThrownBy(() -> store.save(r.withBytes("two".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(IdempotencyConflictException.class);
    assertThatThrownBy(() -> store.save(r.withVersion(7)))
        .isInstanceOf(IdempotencyConflictException.class);
    assertThatThrownBy(() -> store.save(r.withSlot(A2, "k")))
        .isInstanceOf(IdempotencyConflictException.class);
    assertThatThrownBy(() -> store.saveAll(List.of(rec(A, "k9", "x"), r.withVersion(7))))
        .isInstanceOf(IdempotencyConflictException.class);
    assertThat(store.find(A, "k9")).isEmpty();
    assertThat(store.load(A, "k")).isEqualTo(r);
  }

  @Test
  void replayThroughASecondWrappedInstance_isAReplay() {
    // Two application nodes: the retry lands on the other node, which seals with its own nonce.
    StateRecord r = rec(A, "k", "retried");
    store.save(r);
    try (TenantKeys sameDir =
        TenantKeys.keyring(
            dir.resolve("keyring"), KeyEncryptionKey.fromFile(dir.resolve("kek.json")))) {
      StateStore other = PayloadEncryption.wrap(inner, sameDir);
      other.save(r);
      other.saveIf(List.of(exact(A, "k", r.id())), r);
    }
    assertThat(store.load(A, "k")).isEqualTo(r);
  }

  @Test
  void twoIdenticalRetriesRacing_bothSucceed() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 50; round++) {
        StateRecord r = rec(A, "race" + round, "payload " + round);
        CountDownLatch gate = new CountDownLatch(1);
        List<Future<?>> both = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          both.add(
              pool.submit(
                  () -> {
                    gate.await();
                    store.save(r);
                    return null;
                  }));
        }
        gate.countDown();
        for (Future<?> f : both) {
          f.get();
        }
        assertThat(store.load(A, "race" + round)).isEqualTo(r);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- shredding ----

  @Test
  void shred_makesTheTenantUnreadable_inTheStoreAndInAnExportTakenBefore_othersUntouched() {
    StateRecord a = rec(A, "k", "tenant a's secret");
    StateRecord b = rec(B, "k", "tenant b's secret");
    store.saveAll(List.of(a));
    store.save(b);
    ScanPage export = inner.scanAll(ListScope.MAINTENANCE, 100, "");
    assertThat(export.records()).hasSize(2);

    keys.shred("tenant-a");

    assertRefused(() -> store.load(A, "k"), A, "the tenant's keys were destroyed");
    assertRefused(() -> store.scanAll(ListScope.MAINTENANCE, 100, ""), A, "destroyed");
    assertThat(store.load(B, "k")).isEqualTo(b);

    // The export restored into a fresh store: tenant a is noise, tenant b reads.
    try (StateStore restoredInner =
        StateStores.open(
            TestKeys.withRoomForEnvelope(StateConfig.builder().driver("inmem").build()))) {
      restoredInner.saveAll(export.records());
      StateStore restored = PayloadEncryption.wrap(restoredInner, keys);
      assertRefused(() -> restored.load(A, "k"), A, "destroyed");
      assertThat(restored.load(B, "k")).isEqualTo(b);
    }

    assertRefused(() -> store.save(rec(A, "k2", "new")), A, "destroyed");
    assertThatThrownBy(() -> keys.rotate("tenant-a"))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("destroyed");
    keys.shred("tenant-a"); // idempotent
    assertThat(store.eraseTenant(ListScope.MAINTENANCE, "tenant-a", 100)).isEqualTo(1);
  }

  // ---- rekey ----

  @Test
  void rekey_reSealsOnlyTheTenantsOlderPayloads_keepingSlotVersionPayloadAndTimestamp() {
    Quadruple neighbour = new Quadruple("tenant-a2", "u", "s", "r");
    Quadruple first = new Quadruple("tenant-a", "\u0001", "\u0001", "");
    StateRecord a1 = rec(A, "k1", "one").withVersion(3);
    StateRecord a2 = rec(A2, "k", "two");
    StateRecord edge = rec(first, "\u0001", "the first slot a tenant can have");
    StateRecord b = rec(B, "k", "b's");
    StateRecord n = rec(neighbour, "k", "neighbour's");
    store.saveAll(List.of(a1, a2, edge));
    store.save(b);
    store.save(n);
    keys.rotate("tenant-a");
    StateRecord a3 = rec(A, "k3", "already under the new version");
    store.save(a3);
    byte[] bBefore = inner.load(B, "k").bytes();
    byte[] nBefore = inner.load(neighbour, "k").bytes();
    byte[] a3Before = inner.load(A, "k3").bytes();

    assertThat(PayloadEncryption.rekey(inner, keys, "tenant-a")).isEqualTo(3);

    int primary = EncryptedStore.keyVersion(inner.load(A, "k3")).orElseThrow();
    for (StateRecord r : List.of(a1, a2, edge)) {
      StateRecord raw = inner.load(r.identity(), r.kind());
      assertThat(EncryptedStore.keyVersion(raw)).contains(primary);
      StateRecord now = store.load(r.identity(), r.kind());
      assertThat(now.withId(r.id())).as("all but the event id kept").isEqualTo(r);
      assertThat(now.id()).isNotEqualTo(r.id());
    }
    assertThat(inner.load(A, "k3").bytes()).isEqualTo(a3Before);
    assertThat(inner.load(B, "k").bytes()).isEqualTo(bBefore);
    assertThat(inner.load(neighbour, "k").bytes()).isEqualTo(nBefore);
    assertThat(PayloadEncryption.rekey(inner, keys, "tenant-a")).isZero();
  }

  @Test
  void rekey_neverOverwritesAWriterThatCameBetweenItsReadAndItsWrite() {
    store.save(rec(A, "k", "old"));
    keys.rotate("tenant-a");
    StateRecord newer = rec(A, "k", "newer");
    boolean[] steered = {false};
    StateStore steering =
        (StateStore)
            Proxy.newProxyInstance(
                StateStore.class.getClassLoader(),
                new Class<?>[] {StateStore.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("saveIf") && !steered[0]) {
                    steered[0] = true;
                    store.save(newer); // the concurrent writer, after rekey read the record
                  }
                  try {
                    return method.invoke(inner, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    assertThat(PayloadEncryption.rekey(steering, keys, "tenant-a")).isZero();
    assertThat(steered[0]).isTrue();
    assertThat(store.load(A, "k")).isEqualTo(newer);
  }

  // ---- the payload limit ----

  @Test
  void payloadLimit_isTheInnerLimitMinusTheOverhead() {
    int innerLimit = 4096;
    try (StateStore small =
        PayloadEncryption.wrap(
            StateStores.open(
                StateConfig.builder()
                    .driver("inmem")
                    .option("maxPayloadBytes", String.valueOf(innerLimit))
                    .build()),
            keys)) {
      int max = innerLimit - PayloadEncryption.OVERHEAD_BYTES;
      StateRecord fits = StateRecord.of(EventId.newId(), A, "k", new byte[max]);
      small.save(fits);
      assertThat(small.load(A, "k").size()).isEqualTo(max);
      assertThatThrownBy(
              () -> small.save(StateRecord.of(EventId.newId(), A, "k2", new byte[max + 1])))
          .isInstanceOf(InvalidRecordException.class)
          .hasMessageContaining("maxPayloadBytes=" + max);
      assertThat(small.find(A, "k2")).isEmpty();
    }
  }

  static void assertRefused(Runnable call, Quadruple slot, String why) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StorageException.class, e -> assertThat(e.isTransient()).as("transient").isFalse())
        .hasMessageContaining(
            "("
                + slot.tenantId()
                + ", "
                + slot.userId()
                + ", "
                + slot.sessionId()
                + ", "
                + slot.runId())
        .hasMessageContaining(why);
  }
}
