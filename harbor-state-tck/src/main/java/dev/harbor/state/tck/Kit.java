package dev.harbor.state.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import dev.harbor.state.EventId;
import dev.harbor.state.Identity;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Fixtures of the kit: identities, record builders, the strings CONTRACT.md 4.1 rejects, UTF-8
 * orderings and a rejection assertion. Package-private: the kit's only public type is {@link
 * StateStoreTck}.
 *
 * <p>Every kind the kit writes outside the prefix-matching scenarios starts with {@code 'k'}, so
 * {@code listKind(MAINTENANCE, "k")} is a snapshot of the whole store for "nothing changed" checks.
 */
final class Kit {

  /**
   * Where the kit's clock stands when a scenario starts; it has nanoseconds, so that a store that
   * does not truncate to microseconds shows.
   */
  static final Instant START = Instant.parse("2030-01-02T03:04:05.123456789Z");

  /** The default {@code maxPayloadBytes}: 16 MiB. */
  static final int MIB_16 = 16 * 1024 * 1024;

  /** U+FF61, UTF-8 {@code EF BD A1}: sorts before {@link #EMOJI} in UTF-8, after it in UTF-16. */
  static final String STOP = "\uFF61";

  /** U+1F600, UTF-8 {@code F0 9F 98 80}, a surrogate pair in UTF-16. */
  static final String EMOJI = "\uD83D\uDE00";

  static final Identity ALICE = new Identity("tenant-a", "user-a", "session-a");
  static final Identity BOB = new Identity("tenant-b", "user-b", "session-b");

  /** The defect of an empty string, where a rule names the position it is in: "an empty kind". */
  static final String EMPTY = "empty";

  private Kit() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static int utf8Length(String s) {
    return utf8(s).length;
  }

  /** A fresh record of version 0 with a new event id and no timestamp (the store stamps it). */
  static StateRecord record(Quadruple identity, String kind, String payload) {
    return StateRecord.of(EventId.newId(), identity, kind, utf8(payload));
  }

  /** A fresh record at the slot of the given components, its payload naming them. */
  static StateRecord at(String tenant, String user, String session, String run, String kind) {
    return record(
        new Quadruple(tenant, user, session, run),
        kind,
        tenant + "/" + user + "/" + session + "/" + run);
  }

  /**
   * A fresh valid record to write beside the one under test, where a method takes several: a call
   * must fail (or succeed) for the record under test, not for want of a second record.
   */
  static StateRecord companion() {
    return record(ALICE.run("r"), "k.companion", "companion");
  }

  /** A record for the same slot under a new event id: the next generation. */
  static StateRecord nextGeneration(StateRecord current, String payload) {
    return record(current.identity(), current.kind(), payload);
  }

  static SlotExpectation absent(StateRecord slotOf) {
    return SlotExpectation.absent(slotOf.identity(), slotOf.kind());
  }

  static SlotExpectation exact(StateRecord current) {
    return SlotExpectation.exact(current.identity(), current.kind(), current.id());
  }

  /**
   * Compares strings by their UTF-8 bytes, unsigned: the order every driver must list and scan in.
   */
  static int compareUtf8(String a, String b) {
    return Arrays.compareUnsigned(utf8(a), utf8(b));
  }

  /**
   * (tenant, user, session, run, kind) by UTF-8 bytes: the order of the bounded {@code listKind}.
   */
  static final Comparator<StateRecord> BY_SLOT =
      Comparator.comparing((StateRecord r) -> r.identity().tenantId(), Kit::compareUtf8)
          .thenComparing(r -> r.identity().userId(), Kit::compareUtf8)
          .thenComparing(r -> r.identity().sessionId(), Kit::compareUtf8)
          .thenComparing(r -> r.identity().runId(), Kit::compareUtf8)
          .thenComparing(StateRecord::kind, Kit::compareUtf8);

  /** (user, session, run, kind) by UTF-8 bytes: the order of a scan within one tenant. */
  static final Comparator<StateRecord> BY_SCAN_POSITION =
      Comparator.comparing((StateRecord r) -> r.identity().userId(), Kit::compareUtf8)
          .thenComparing(r -> r.identity().sessionId(), Kit::compareUtf8)
          .thenComparing(r -> r.identity().runId(), Kit::compareUtf8)
          .thenComparing(StateRecord::kind, Kit::compareUtf8);

  /**
   * The same tuple compared as Java strings (UTF-16), to prove a data set tells the two orders
   * apart.
   */
  static final Comparator<StateRecord> BY_SLOT_UTF16 =
      Comparator.comparing((StateRecord r) -> r.identity().tenantId())
          .thenComparing(r -> r.identity().userId())
          .thenComparing(r -> r.identity().sessionId())
          .thenComparing(r -> r.identity().runId())
          .thenComparing(StateRecord::kind);

  static <T> List<T> sorted(List<T> list, Comparator<? super T> order) {
    List<T> copy = new ArrayList<>(list);
    copy.sort(order);
    return copy;
  }

  /**
   * Strings of CONTRACT.md 4.1 that no slot string, event id or prefix may be, by their defect;
   * each starts with {@code 'k'} but one, so a store that wrongly keeps one shows in a snapshot.
   */
  static Map<String, String> badStrings() {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("with a NUL character", "k\u0000x");
    bad.put("with a lone high surrogate", "k\uD800x");
    bad.put("with a lone low surrogate", "k\uDC00x");
    bad.put("ending in a high surrogate", "k\uD83D");
    bad.put("with a reversed surrogate pair", "k\uDE00\uD83D");
    bad.put("of 257 ASCII bytes", "k" + "a".repeat(256));
    bad.put("of 257 UTF-8 bytes in 2-byte characters", "k" + "\u00E9".repeat(128));
    bad.put("of 258 UTF-8 bytes, 129 times 'é'", "\u00E9".repeat(129));
    bad.put("of 257 UTF-8 bytes with 4-byte characters", "k" + EMOJI.repeat(64));
    return bad;
  }

  /** Bad event ids (or prefixes): every bad string and the empty string, by their defect. */
  static Map<String, String> badKeys() {
    Map<String, String> keys = new LinkedHashMap<>(badStrings());
    keys.put(EMPTY, "");
    return keys;
  }

  /**
   * What a rule rejects, in words: {@code describe("kind", "with a NUL character")} is "a kind with
   * a NUL character", {@code describe("prefix", EMPTY)} is "an empty prefix".
   */
  static String describe(String position, String defect) {
    if (defect.equals(EMPTY)) {
      return "an empty " + position;
    }
    // Of the positions (tenant, user, session, run, kind, prefix, event id, expected ...), only
    // those spoken with a vowel sound start with an 'e'.
    return (position.startsWith("e") ? "an " : "a ") + position + " " + defect;
  }

  /**
   * One wrong position of a slot: which position ({@code tenant}, {@code user}, {@code session},
   * {@code run} or {@code kind}), what is wrong with it, and the identity and kind to pass.
   */
  record BadSlot(String position, String defect, Quadruple identity, String kind) {

    /**
     * The rule's object in words, e.g. "an expected kind with a NUL character".
     *
     * @param qualifier put before the position ("expected"), or empty
     * @param kindName what the method calls its kind argument ("kind", or "prefix" for listings)
     */
    String what(String qualifier, String kindName) {
      String p = position.equals("kind") ? kindName : position;
      return describe(qualifier.isEmpty() ? p : qualifier + " " + p, defect);
    }
  }

  /**
   * Every way of putting a bad string (or an empty kind) into one position of the slot ({@code q},
   * {@code kind}).
   */
  static List<BadSlot> badSlots(Quadruple q, String kind) {
    List<BadSlot> slots = new ArrayList<>();
    badStrings()
        .forEach(
            (defect, s) -> {
              String t = q.tenantId();
              String u = q.userId();
              String se = q.sessionId();
              String r = q.runId();
              slots.add(new BadSlot("tenant", defect, new Quadruple(s, u, se, r), kind));
              slots.add(new BadSlot("user", defect, new Quadruple(t, s, se, r), kind));
              slots.add(new BadSlot("session", defect, new Quadruple(t, u, s, r), kind));
              slots.add(new BadSlot("run", defect, new Quadruple(t, u, se, s), kind));
              slots.add(new BadSlot("kind", defect, q, s));
            });
    slots.add(new BadSlot("kind", EMPTY, q, ""));
    return slots;
  }

  /** Bad identities for {@code deleteScope}, by what is wrong: a bad string in one position. */
  static Map<String, Identity> badIdentities(Identity id) {
    Map<String, Identity> ids = new LinkedHashMap<>();
    badStrings()
        .forEach(
            (defect, s) -> {
              ids.put(describe("tenant", defect), new Identity(s, id.userId(), id.sessionId()));
              ids.put(describe("user", defect), new Identity(id.tenantId(), s, id.sessionId()));
              ids.put(describe("session", defect), new Identity(id.tenantId(), id.userId(), s));
            });
    return ids;
  }

  /** All empty, and each of tenant, user, session empty, by what is missing. */
  static Map<String, Identity> incompleteIdentities() {
    Map<String, Identity> ids = new LinkedHashMap<>();
    ids.put("with tenant, user and session empty", new Identity("", "", ""));
    ids.put("with an empty tenant", new Identity("", "user-x", "session-x"));
    ids.put("with an empty user", new Identity("tenant-x", "", "session-x"));
    ids.put("with an empty session", new Identity("tenant-x", "user-x", ""));
    return ids;
  }

  /**
   * Continuations no scan may accept, by what they are: garbage, one character too long, and a
   * {@code valid} one padded, truncated or with one character changed (first, middle, last).
   */
  static Map<String, String> badContinuations(String valid, int maxLength) {
    Map<String, String> bad = new LinkedHashMap<>();
    for (String garbage : List.of("%%%", "e30", "{}", "AAAA")) {
      bad.put("the continuation \"" + garbage + "\"", garbage);
    }
    bad.put("a blank continuation", " ");
    bad.put("a continuation of " + (maxLength + 1) + " characters", "A".repeat(maxLength + 1));
    bad.put("a valid continuation with padding appended", valid + "=");
    bad.put(
        "a valid continuation cut short by one character", valid.substring(0, valid.length() - 1));
    for (int i : new int[] {0, valid.length() / 2, valid.length() - 1}) {
      char c = valid.charAt(i);
      bad.put(
          "a valid continuation tampered at character " + i,
          valid.substring(0, i) + (c == 'A' ? 'B' : 'A') + valid.substring(i + 1));
    }
    return bad;
  }

  /**
   * {@code call} throws {@code type}; a failure names {@code label}, also when nothing was thrown.
   */
  static void assertRejected(String label, Class<? extends Throwable> type, ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    if (thrown == null) {
      fail("%s: expected %s but the call returned normally", label, type.getSimpleName());
    }
    assertThat(thrown).as(label).isInstanceOf(type);
  }
}
