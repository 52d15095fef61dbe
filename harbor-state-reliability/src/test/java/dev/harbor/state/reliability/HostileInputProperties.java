package dev.harbor.state.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.EventId;
import dev.harbor.state.IdentityRequiredException;
import dev.harbor.state.InvalidRecordException;
import dev.harbor.state.InvalidScanException;
import dev.harbor.state.ListScope;
import dev.harbor.state.Quadruple;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile input through every method: malformed strings, huge values, SQL and pattern fragments,
 * Unicode normalization twins, whitespace ids, payloads around the limit, nulls. Each gets its
 * contract exception or succeeds as specified, and no failure changes the store's content. Also the
 * isolation property: identities that differ in one component never see each other's records.
 */
abstract class HostileInputProperties {

  private static final int MAX_PAYLOAD = 64 * 1024;
  private static final String SQL = "'; DROP TABLE harbor_state_records; --";
  private static final String TEN_MB = "x".repeat(10 * 1024 * 1024);

  /** The driver under test; it is opened with {@code maxPayloadBytes=65536}. */
  abstract StoreUnderTest driver();

  private StoreUnderTest underTest;
  private StateStore store;
  private final Set<String> kindsSeen = new TreeSet<>();

  @BeforeEach
  final void open() {
    underTest = driver();
    store = underTest.open(Clock.systemUTC());
    for (String kind : List.of("seed.a", "seed.b")) {
      save(
          StateRecord.of(
              EventId.newId(), new Quadruple("seed", "u", "s", ""), kind, new byte[] {42}));
    }
  }

  @AfterEach
  final void close() {
    store.close();
    underTest.close();
  }

  private void save(StateRecord r) {
    kindsSeen.add(r.kind());
    store.save(r);
  }

  /**
   * Everything in the store, in slot order: the kinds this test wrote are known, so list by each.
   */
  private List<StateRecord> content() {
    List<StateRecord> all = new ArrayList<>();
    Set<String> firstChars = new TreeSet<>();
    kindsSeen.forEach(k -> firstChars.add(k.substring(0, Character.charCount(k.codePointAt(0)))));
    firstChars.forEach(p -> all.addAll(store.listKind(ListScope.MAINTENANCE, p)));
    all.sort(ModelStore.SLOT_ORDER);
    return all;
  }

  private void rejectedWithoutChange(
      String what, Class<? extends Throwable> type, Consumer<StateStore> call) {
    List<StateRecord> before = content();
    assertThatThrownBy(() -> call.accept(store)).as(what).isInstanceOf(type);
    assertThat(content()).as("%s changed nothing", what).isEqualTo(before);
  }

  @Test
  void malformedStrings_areRejectedByEveryMethod_withNothingChanged() {
    List<String> bad =
        List.of("a\u0000b", "\uD800", "x\uDFFF", "y".repeat(257), "\u00E9".repeat(129), TEN_MB);
    for (String s : bad) {
      String label =
          s.length() > 20 ? s.length() + "-char string" : Arrays.toString(s.toCharArray());
      Quadruple badTenant = new Quadruple(s, "u", "s", "");
      Quadruple badRun = new Quadruple("t", "u", "s", s);
      Quadruple ok = new Quadruple("t", "u", "s", "");
      StateRecord good = StateRecord.of(EventId.newId(), ok, "k", null);
      for (Quadruple q : List.of(badTenant, badRun)) {
        StateRecord r = StateRecord.of(EventId.newId(), q, "k", null);
        rejectedWithoutChange("save " + label, InvalidRecordException.class, st -> st.save(r));
        rejectedWithoutChange(
            "saveAll " + label, InvalidRecordException.class, st -> st.saveAll(List.of(good, r)));
        rejectedWithoutChange(
            "saveIf " + label,
            InvalidRecordException.class,
            st -> st.saveIf(List.of(SlotExpectation.absent(q, "k")), r));
        rejectedWithoutChange("find " + label, InvalidRecordException.class, st -> st.find(q, "k"));
        rejectedWithoutChange(
            "delete " + label, InvalidRecordException.class, st -> st.delete(q, "k"));
        rejectedWithoutChange(
            "deleteIf " + label,
            InvalidRecordException.class,
            st -> st.deleteIf(SlotExpectation.exact(q, "k", EventId.of("e"))));
        rejectedWithoutChange(
            "listKindForIdentity " + label,
            InvalidRecordException.class,
            st -> st.listKindForIdentity(q, "k"));
      }
      rejectedWithoutChange(
          "deleteScope " + label,
          InvalidRecordException.class,
          st -> st.deleteScope(badTenant.identity()));
      rejectedWithoutChange(
          "save kind " + label,
          InvalidRecordException.class,
          st -> st.save(StateRecord.of(EventId.newId(), ok, s, null)));
      rejectedWithoutChange(
          "save event id " + label,
          InvalidRecordException.class,
          st -> st.save(StateRecord.of(EventId.of(s), ok, "k", null)));
      rejectedWithoutChange(
          "findByEventId " + label,
          InvalidRecordException.class,
          st -> st.findByEventId(EventId.of(s)));
      rejectedWithoutChange(
          "findByEventId of a tenant, event id " + label,
          InvalidRecordException.class,
          st -> st.findByEventId("t", EventId.of(s)));
      rejectedWithoutChange(
          "loadByEventId of tenant " + label,
          InvalidRecordException.class,
          st -> st.loadByEventId(s, EventId.of("e")));
      rejectedWithoutChange(
          "fenceIf " + label,
          InvalidRecordException.class,
          st -> st.fenceIf(SlotExpectation.exact(ok, s, EventId.of("e")), () -> {}));
      rejectedWithoutChange(
          "listKind " + label,
          InvalidRecordException.class,
          st -> st.listKind(ListScope.MAINTENANCE, s, 10));
      rejectedWithoutChange(
          "scan tenant " + label,
          InvalidScanException.class,
          st -> st.scanKindForTenant(ListScope.MAINTENANCE, s, "k", 10, ""));
      rejectedWithoutChange(
          "scan prefix " + label,
          InvalidScanException.class,
          st -> st.scanKindForTenant(ListScope.MAINTENANCE, "t", s, 10, ""));
    }
  }

  @Test
  void sqlAndPatternFragments_areStoredAndMatchedLiterally() {
    Quadruple q = new Quadruple(SQL, SQL, SQL, SQL);
    List<String> kinds = List.of(SQL, "%", "_", "\\", "%%", "a_c", "abc", "a%c", "*", "?", "[a]");
    for (String kind : kinds) {
      save(StateRecord.of(EventId.of(SQL + kind), q, kind, kind.getBytes(StandardCharsets.UTF_8)));
    }
    for (String kind : kinds) {
      assertThat(store.load(q, kind).bytes()).isEqualTo(kind.getBytes(StandardCharsets.UTF_8));
      List<String> expected =
          kinds.stream()
              .filter(k -> k.startsWith(kind))
              .sorted(
                  Comparator.comparing(
                      (String k) -> k.getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned))
              .toList();
      assertThat(store.listKindForIdentity(q, kind, 100))
          .extracting(StateRecord::kind)
          .as("prefix %s", kind)
          .containsExactlyElementsOf(expected);
      assertThat(store.scanKindForTenant(ListScope.MAINTENANCE, SQL, kind, 256, "").records())
          .extracting(StateRecord::kind)
          .containsExactlyElementsOf(expected);
    }
    assertThat(store.find(new Quadruple("seed", "u", "s", ""), "seed.a"))
        .as("the table survived")
        .isPresent();
  }

  @Test
  void normalizationTwinsAndWhitespace_areDistinctIdentities() {
    String composed = "\u00E9";
    String decomposed = "e\u0301";
    Quadruple a = new Quadruple(composed, "u", "s", "");
    Quadruple b = new Quadruple(decomposed, "u", "s", "");
    save(StateRecord.of(EventId.newId(), a, "k", new byte[] {1}));
    assertThat(store.find(b, "k")).isEmpty();
    assertThat(store.deleteScope(b.identity())).isZero();
    assertThat(store.find(a, "k")).isPresent();
    Quadruple space = new Quadruple(" ", " ", "\t", " ");
    save(StateRecord.of(EventId.of(" "), space, " ", new byte[] {2}));
    assertThat(store.load(space, " ").id()).isEqualTo(EventId.of(" "));
    assertThat(store.find(new Quadruple("  ", " ", "\t", " "), " ")).isEmpty();
    rejectedWithoutChange(
        "empty tenant",
        IdentityRequiredException.class,
        st -> st.save(StateRecord.of(EventId.newId(), new Quadruple("", " ", " ", ""), "k", null)));
  }

  @Test
  void payloadSizes_aroundTheLimit() {
    Quadruple q = new Quadruple("p", "u", "s", "");
    for (int size : new int[] {0, 1, MAX_PAYLOAD}) {
      byte[] payload = new byte[size];
      new Random(size).nextBytes(payload);
      save(StateRecord.of(EventId.newId(), q, "size" + size, payload));
      assertThat(store.load(q, "size" + size).bytes()).isEqualTo(payload);
    }
    rejectedWithoutChange(
        "one byte over the limit",
        InvalidRecordException.class,
        st -> st.save(StateRecord.of(EventId.newId(), q, "over", new byte[MAX_PAYLOAD + 1])));
    rejectedWithoutChange(
        "one byte over the limit in a batch",
        InvalidRecordException.class,
        st ->
            st.saveAll(
                List.of(
                    StateRecord.of(EventId.newId(), q, "fine", null),
                    StateRecord.of(EventId.newId(), q, "over", new byte[MAX_PAYLOAD + 1]))));
  }

  @Test
  void nulls_areProgrammingErrors_orEmptyValues_andChangeNothing() {
    Quadruple q = new Quadruple("n", "u", "s", "");
    StateRecord r = StateRecord.of(EventId.newId(), q, "k", null);
    rejectedWithoutChange("null record", NullPointerException.class, st -> st.save(null));
    rejectedWithoutChange("null list", NullPointerException.class, st -> st.saveAll(null));
    rejectedWithoutChange(
        "null element", NullPointerException.class, st -> st.saveAll(Arrays.asList(r, null)));
    rejectedWithoutChange(
        "null expectations", NullPointerException.class, st -> st.saveIf(null, r));
    rejectedWithoutChange(
        "null expectation element",
        NullPointerException.class,
        st -> st.saveIf(Arrays.asList(SlotExpectation.absent(q, "k"), null), r));
    rejectedWithoutChange(
        "null writes",
        NullPointerException.class,
        st -> st.saveBatchIf(List.of(SlotExpectation.absent(q, "k")), null));
    rejectedWithoutChange(
        "null action",
        NullPointerException.class,
        st -> st.fenceIf(SlotExpectation.exact(q, "k", EventId.of("e")), null));
    rejectedWithoutChange(
        "null quadruple", IdentityRequiredException.class, st -> st.find(null, "k"));
    rejectedWithoutChange("null kind", InvalidRecordException.class, st -> st.find(q, null));
    rejectedWithoutChange(
        "null event id", InvalidRecordException.class, st -> st.findByEventId(null));
    rejectedWithoutChange(
        "null event id of a tenant", NullPointerException.class, st -> st.findByEventId("t", null));
    rejectedWithoutChange(
        "null tenant", IdentityRequiredException.class, st -> st.loadByEventId(null, null));
    rejectedWithoutChange(
        "null identity", IdentityRequiredException.class, st -> st.deleteScope(null));
  }

  @Test
  void isolation_identitiesDifferingInOneComponentNeverSeeEachOther() {
    Random random = new Random();
    String[] pool = {"a", "b", "A", "a ", "\u00E9", "e\u0301", "%", "_"};
    for (int i = 0; i < 50; i++) {
      String[] one = {
        pick(random, pool), pick(random, pool), pick(random, pool), pick(random, pool)
      };
      String[] other = one.clone();
      int component = random.nextInt(4);
      while (other[component].equals(one[component])) {
        other[component] = pick(random, pool);
      }
      Quadruple mine = new Quadruple(one[0], one[1], one[2], one[3]);
      Quadruple theirs = new Quadruple(other[0], other[1], other[2], other[3]);
      String kind = "iso." + i;
      StateRecord r = StateRecord.of(EventId.newId(), mine, kind, new byte[] {7});
      save(r);
      assertThat(store.find(theirs, kind)).isEmpty();
      assertThat(store.listKindForIdentity(theirs, "iso.")).noneMatch(x -> x.id().equals(r.id()));
      store.delete(theirs, kind);
      assertThat(store.deleteIf(SlotExpectation.exact(theirs, kind, r.id()))).isFalse();
      if (component < 3) {
        store.deleteScope(theirs.identity());
      }
      assertThat(store.load(mine, kind))
          .as("%s unaffected by %s", mine, theirs)
          .isEqualTo(r.withUpdatedAt(store.load(mine, kind).updatedAt()));
      store.delete(mine, kind);
    }
  }

  private static String pick(Random r, String[] from) {
    return from[r.nextInt(from.length)];
  }
}
