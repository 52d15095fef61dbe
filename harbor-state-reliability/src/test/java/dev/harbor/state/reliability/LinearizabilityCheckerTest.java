package dev.harbor.state.reliability;

import static dev.harbor.state.reliability.HandMadeHistory.absent;
import static dev.harbor.state.reliability.HandMadeHistory.deleteScope;
import static dev.harbor.state.reliability.HandMadeHistory.exact;
import static dev.harbor.state.reliability.HandMadeHistory.find;
import static dev.harbor.state.reliability.HandMadeHistory.findByEventId;
import static dev.harbor.state.reliability.HandMadeHistory.found;
import static dev.harbor.state.reliability.HandMadeHistory.none;
import static dev.harbor.state.reliability.HandMadeHistory.rec;
import static dev.harbor.state.reliability.HandMadeHistory.save;
import static dev.harbor.state.reliability.HandMadeHistory.saveAll;
import static dev.harbor.state.reliability.HandMadeHistory.saveIf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.harbor.state.ConditionFailedException;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.reliability.LinearizabilityChecker.PartitionResult;
import dev.harbor.state.reliability.LinearizabilityChecker.Result;
import dev.harbor.state.reliability.LinearizabilityChecker.Verdict;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The checker on hand-made histories whose verdict is known. Times are in microseconds; process
 * numbers matter only to the shrinker and the printout.
 */
class LinearizabilityCheckerTest {

  private static final StateRecord E1 = rec("e1", "A");
  private static final StateRecord E2 = rec("e2", "A");
  private static final StateRecord E3 = rec("e3", "A");

  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  private Result check(HandMadeHistory h) {
    return checker.check(h.build());
  }

  @Nested
  class Sequential {

    @Test
    void historyAgreeingWithTheModel_isLinearizable() {
      Result r =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 10, save(E1), null)
                  .ok(1, 20, 30, find("A"), found(E1))
                  .threw(
                      1, 40, 50, saveIf(List.of(absent("A")), E2), ConditionFailedException.class)
                  .ok(1, 60, 70, saveIf(List.of(exact("A", "e1")), E2), null)
                  .threw(1, 80, 90, save(rec("e2", "B")), IdempotencyConflictException.class)
                  .ok(1, 100, 110, findByEventId("e1"), none())
                  .ok(1, 120, 130, deleteScope(), 1)
                  .ok(1, 140, 150, find("A"), none()));

      assertThat(r.verdict()).as(r.summary()).isEqualTo(Verdict.LINEARIZABLE);
      assertThat(r.partitions())
          .singleElement()
          .satisfies(p -> assertThat(p.longestPrefix()).hasSize(8));
    }

    @Test
    void historyDisagreeingWithTheModel_isAViolation() {
      Result r =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 10, save(E1), null)
                  .ok(1, 20, 30, save(E2), null)
                  .ok(1, 40, 50, deleteScope(), 2)); // only one slot was ever written

      assertThat(r.verdict()).isEqualTo(Verdict.VIOLATION);
      assertThat(r.violation().orElseThrow().longestPrefix()).hasSize(2);
    }

    @Test
    void threwWhereTheModelSucceeds_isAViolation() {
      Result r =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 10, save(E1), null)
                  .threw(
                      1,
                      20,
                      30,
                      saveIf(List.of(exact("A", "e1")), E2),
                      ConditionFailedException.class));

      assertThat(r.verdict()).isEqualTo(Verdict.VIOLATION);
    }
  }

  @Nested
  class Concurrent {

    @Test
    void overlappingSaves_eitherOrderExplainsTheReads() {
      for (StateRecord last : List.of(E1, E2)) {
        Result r =
            check(
                new HandMadeHistory()
                    .ok(1, 0, 100, save(E1), null)
                    .ok(2, 10, 90, save(E2), null)
                    .ok(3, 110, 120, find("A"), found(last))
                    .ok(3, 130, 140, find("A"), found(last)));
        assertThat(r.verdict()).as("last writer %s", last.id()).isEqualTo(Verdict.LINEARIZABLE);
      }
    }

    @Test
    void readsFlippingBetweenTwoCompletedSaves_areAViolation() {
      Result r =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 100, save(E1), null)
                  .ok(2, 10, 90, save(E2), null)
                  .ok(3, 110, 120, find("A"), found(E1))
                  .ok(3, 130, 140, find("A"), found(E2)));

      assertThat(r.verdict()).isEqualTo(Verdict.VIOLATION);
    }

    @Test
    void staleRead_isAViolation() {
      Result r =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 10, save(E1), null)
                  .ok(1, 20, 30, save(E2), null)
                  .ok(2, 15, 40, find("A"), found(E1))); // overlaps e2's save: fine
      assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);

      Result stale =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 10, save(E1), null)
                  .ok(1, 20, 30, save(E2), null)
                  .ok(2, 35, 40, find("A"), found(E1))); // invoked after e2's save completed
      assertThat(stale.verdict()).isEqualTo(Verdict.VIOLATION);
    }

    @Test
    void halfAppliedBatchSeenByAReader_isAViolation() {
      StateRecord old1 = rec("o1", "S1");
      StateRecord old2 = rec("o2", "S2");
      StateRecord new1 = rec("n1", "S1");
      StateRecord new2 = rec("n2", "S2");
      HandMadeHistory base =
          new HandMadeHistory()
              .ok(1, 0, 10, saveAll(old1, old2), null)
              .ok(1, 20, 100, saveAll(new1, new2), null);

      Result atomic =
          check(base.ok(2, 30, 40, find("S1"), found(new1)).ok(2, 50, 60, find("S2"), found(new2)));
      assertThat(atomic.verdict()).isEqualTo(Verdict.LINEARIZABLE);

      Result half =
          checker.check(
              new HandMadeHistory()
                  .ok(1, 0, 10, saveAll(old1, old2), null)
                  .ok(1, 20, 100, saveAll(new1, new2), null)
                  .ok(2, 30, 40, find("S1"), found(new1))
                  .ok(2, 50, 60, find("S2"), found(old2))
                  .build());
      assertThat(half.verdict()).isEqualTo(Verdict.VIOLATION);
    }

    @Test
    void saveIfSucceedingOnAPredicateSlotChangedBeforeItsInvocation_isAViolation() {
      StateRecord b1 = rec("b1", "B");
      StateRecord b2 = rec("b2", "B");
      StateRecord next = rec("a1", "A");
      List<SlotExpectation> expect = List.of(exact("B", "b1"), absent("A"));

      Result concurrent =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 10, save(b1), null)
                  .ok(1, 20, 50, save(b2), null)
                  .ok(2, 30, 60, saveIf(expect, next), null)); // may precede the save of b2
      assertThat(concurrent.verdict()).isEqualTo(Verdict.LINEARIZABLE);

      Result after =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 10, save(b1), null)
                  .ok(1, 20, 30, save(b2), null)
                  .ok(2, 40, 60, saveIf(expect, next), null));
      assertThat(after.verdict()).isEqualTo(Verdict.VIOLATION);
    }

    @Test
    void deleteScopeCountInconsistentWithWhatReadersSeeAfterwards_isAViolation() {
      // Issue 17: session s1 holds D=e12 and C is empty; a saveAll of e14@D and e13@C races
      // deleteScope(s1), which reports 1 deleted; afterwards D is empty but C holds e13. Either
      // order contradicts: deleteScope first leaves e14 at D, saveAll first makes the count 2.
      StateRecord e12 = rec("e12", "D");
      StateRecord e14 = rec("e14", "D");
      StateRecord e13 = rec("e13", "C");
      HandMadeHistory h =
          new HandMadeHistory()
              .ok(1, 0, 10, save(e12), null)
              .ok(1, 20, 60, saveAll(e14, e13), null)
              .ok(2, 25, 55, deleteScope(), 1);

      Result r = check(h.ok(3, 70, 80, find("D"), none()).ok(3, 90, 100, find("C"), found(e13)));

      assertThat(r.verdict()).isEqualTo(Verdict.VIOLATION);
    }

    @Test
    void deleteScopeCountConsistentWithReaders_isLinearizable() {
      StateRecord e12 = rec("e12", "D");
      StateRecord e14 = rec("e14", "D");
      StateRecord e13 = rec("e13", "C");
      Result r =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 10, save(e12), null)
                  .ok(1, 20, 60, saveAll(e14, e13), null)
                  .ok(2, 25, 55, deleteScope(), 1)
                  .ok(3, 70, 80, find("D"), found(e14))
                  .ok(3, 90, 100, find("C"), found(e13)));

      assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void findByEventIdMissingARecordAnEarlierFindReturned_isAViolation() {
      Result r =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 100, save(E1), null)
                  .ok(2, 10, 20, find("A"), found(E1))
                  .ok(2, 30, 40, findByEventId("e1"), none()));

      assertThat(r.verdict()).isEqualTo(Verdict.VIOLATION);
    }
  }

  @Nested
  class Indeterminate {

    @Test
    void unknownSaveObservedLater_isLinearizable() {
      Result r =
          check(
              new HandMadeHistory()
                  .unknown(1, 0, 10, save(E1))
                  .ok(2, 50, 60, find("A"), found(E1))
                  .ok(2, 70, 80, findByEventId("e1"), found(E1)));

      assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
      assertThat(r.indeterminateOps()).isEqualTo(1);
    }

    @Test
    void unknownSaveNeverObserved_isLinearizable() {
      Result r =
          check(
              new HandMadeHistory()
                  .unknown(1, 0, 10, save(E1))
                  .ok(2, 50, 60, find("A"), none())
                  .ok(2, 70, 80, save(E2), null)
                  .ok(2, 90, 100, find("A"), found(E2)));

      assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void unknownSaveTakingEffectLongAfterItGaveUp_isLinearizable() {
      // The commit may land after the client saw the error: the effect is bounded by nothing.
      Result r =
          check(
              new HandMadeHistory()
                  .unknown(1, 0, 10, save(E1))
                  .ok(2, 50, 60, find("A"), none())
                  .ok(2, 70, 80, find("A"), found(E1)));

      assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    }

    @Test
    void unknownSaveObservedBeforeItsInvocation_isAViolation() {
      Result r =
          check(
              new HandMadeHistory()
                  .ok(2, 0, 10, find("A"), found(E1))
                  .unknown(1, 20, 30, save(E1)));

      assertThat(r.verdict()).isEqualTo(Verdict.VIOLATION);
    }

    @Test
    void unknownReads_areDroppedBeforeTheSearch() {
      Result r =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 10, save(E1), null)
                  .unknown(2, 20, 30, find("A"))
                  .ok(2, 40, 50, find("A"), found(E1)));

      assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
      assertThat(r.indeterminateOps()).isEqualTo(1);
      assertThat(r.partitions().get(0).ops()).hasSize(2);
      assertThat(r.partitions().get(0).droppedReads()).isEqualTo(1);
    }
  }

  @Nested
  class Partitions {

    @Test
    void tenantsAreCheckedApart_andTheViolatingOneIsReported() {
      Result r =
          check(
              new HandMadeHistory()
                  .ok(1, 0, 10, save(rec("t1", "a1", "A")), null)
                  .ok(2, 0, 10, save(rec("t2", "b1", "A")), null)
                  .ok(2, 20, 30, save(rec("t2", "b2", "A")), null)
                  .ok(1, 40, 50, find("t1", "A"), found(rec("t1", "a1", "A")))
                  .ok(3, 40, 50, find("t2", "A"), found(rec("t2", "b1", "A"))));

      assertThat(r.verdict()).isEqualTo(Verdict.VIOLATION);
      assertThat(r.partitions())
          .extracting(PartitionResult::tenant, PartitionResult::verdict)
          .containsExactly(tuple("t1", Verdict.LINEARIZABLE), tuple("t2", Verdict.VIOLATION));
      assertThat(r.violation().orElseThrow().ops()).hasSize(3);
      assertThat(r.ops()).isEqualTo(5);
    }

    @Test
    void recordsWithoutUpdatedAt_areRejected() {
      StateRecord unstamped = rec("e1", "A").withUpdatedAt(null);
      History h = new HandMadeHistory().ok(1, 0, 10, save(unstamped), null).build();

      assertThatThrownBy(() -> checker.check(h)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class Budget {

    /**
     * Twenty concurrent saves of one slot, then a read of a record none of them wrote: a violation,
     * but proving it visits every subset of the saves with every last writer.
     */
    private History hard() {
      HandMadeHistory h = new HandMadeHistory();
      for (int p = 0; p < 20; p++) {
        h.ok(p, p, 1000 + p, save(rec("e" + p, "A")), null);
      }
      return h.ok(99, 2000, 2010, find("A"), found(rec("never", "A"))).build();
    }

    @Test
    void stepLimit_givesUndecided() {
      Result r = new LinearizabilityChecker(Duration.ofMinutes(1), 1_000).check(hard());

      assertThat(r.verdict()).isEqualTo(Verdict.UNDECIDED);
      assertThat(r.partitions().get(0).reason()).contains("step");
      assertThat(r.steps()).isLessThanOrEqualTo(1_001);
    }

    @Test
    void timeLimit_givesUndecided() {
      Result r = new LinearizabilityChecker(Duration.ofMillis(100), Long.MAX_VALUE).check(hard());

      assertThat(r.verdict()).isEqualTo(Verdict.UNDECIDED);
      assertThat(r.partitions().get(0).reason()).contains("time");
      assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Nested
  class Shrinking {

    @Test
    void paddedViolation_shrinksToTheOpsThatMatter() {
      // The stale read of staleRead_isAViolation, buried among unrelated slots, a second tenant
      // and an indeterminate write.
      HandMadeHistory h = new HandMadeHistory();
      for (int i = 0; i < 12; i++) {
        StateRecord pad = rec("p" + i, "P" + (i % 3));
        h.ok(4 + i % 3, 100 * i, 100 * i + 150, save(pad), null);
        h.ok(7, 100 * i + 20, 100 * i + 60, find("P" + (i % 3)), found(pad));
        h.ok(8, 100 * i, 100 * i + 10, save(rec("t2", "q" + i, "A")), null);
      }
      h.unknown(9, 50, 60, save(rec("x1", "X")));
      h.ok(1, 300, 310, save(E1), null).ok(1, 400, 410, save(E2), null);
      h.ok(2, 500, 510, save(E3), null).ok(2, 520, 530, find("A"), found(E3));
      h.ok(3, 450, 460, find("A"), found(E1));
      History padded = h.build();
      assertThat(checker.check(padded).verdict()).isEqualTo(Verdict.VIOLATION);

      HistoryShrinker shrinker = new HistoryShrinker(checker, Duration.ofSeconds(30));
      History small = shrinker.shrink(padded);

      assertThat(checker.check(small).verdict()).isEqualTo(Verdict.VIOLATION);
      // What the violation needs keeps its outcome; the rest is gone (reads, later operations) or
      // kept as indeterminate writes (dropping a write could invent a violation).
      assertThat(small.ops())
          .filteredOn(o -> !o.indeterminate())
          .extracting(History.Op::call)
          .containsExactlyInAnyOrder(save(E1), save(E2), find("A"));
      assertThat(small.ops())
          .filteredOn(History.Op::indeterminate)
          .allMatch(o -> !o.call().readOnly(), "only writes are kept as indeterminate");
      assertThat(small.ops().size()).isLessThan(padded.ops().size() / 2);
      String text = HistoryShrinker.describe(small);
      System.out.printf(
          "shrunk %d ops to %d in %d checks:%n%s",
          padded.ops().size(), small.ops().size(), shrinker.checks(), text);
      assertThat(
              text.lines()
                  .filter(line -> !line.contains("-> unknown"))
                  .map(line -> line.replaceFirst("^#\\d+ +", "")))
          .containsExactly(
              "p1   [    300.0 ..     310.0] µs  save e1@t1/u1/s1/:A(v1,2B) -> ok",
              "p1   [    400.0 ..     410.0] µs  save e2@t1/u1/s1/:A(v1,2B) -> ok",
              "p3   [    450.0 ..     460.0] µs  find t1/u1/s1/:A -> e1@t1/u1/s1/:A(v1,2B)");
    }

    @Test
    void aHistoryThatIsNotAViolation_isRefused() {
      History fine = new HandMadeHistory().ok(1, 0, 10, save(E1), null).build();

      assertThatThrownBy(() -> new HistoryShrinker(checker, Duration.ofSeconds(1)).shrink(fine))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class RandomHistories {

    @Test
    void sequentialExecutionsWithOverlappingIntervals_areLinearizableWithinTheDefaultBudget() {
      // 200 ops over 2 tenants from 6 processes, 5% of writes indeterminate. The first check runs
      // cold (class loading, interpreter), so it is reported apart from the others.
      long[] millis = new long[20];
      long steps = 0;
      for (int seed = 0; seed < millis.length; seed++) {
        History h = SequentialHistories.generate(seed, 200, List.of("t1", "t2"), 6, 0.05);
        Result r = checker.check(h);
        assertThat(r.verdict())
            .as("seed %d: %s", seed, r.summary())
            .isEqualTo(Verdict.LINEARIZABLE);
        millis[seed] = r.elapsed().toMillis();
        steps += r.steps();
      }
      long[] warm = Arrays.copyOfRange(millis, 1, millis.length);
      System.out.printf(
          "20 histories of 200 ops: first (cold) %d ms; then mean %.1f ms, max %d ms; %,d steps%n",
          millis[0],
          Arrays.stream(warm).average().orElse(0),
          Arrays.stream(warm).max().orElse(0),
          steps);
    }
  }

  @Nested
  class AgainstBruteForce {

    @Test
    void smallRandomHistories_getTheVerdictOfTheLiteralDefinition() {
      int violations = 0;
      for (long seed = 1; seed <= 400; seed++) {
        // Odd seeds: one tenant, so the search meets all 8 operations at once.
        List<String> tenants = seed % 2 == 1 ? List.of("t1") : List.of("t1", "t2");
        History h = SequentialHistories.generate(seed, 8, tenants, 4, 0.2);
        if (seed % 4 != 0) {
          h = SequentialHistories.corrupt(h, seed);
        }
        boolean expected = BruteForceChecker.linearizable(h);
        Result r = checker.check(h);
        assertThat(r.verdict())
            .as("seed %d:%n%s", seed, HistoryShrinker.describe(h))
            .isEqualTo(expected ? Verdict.LINEARIZABLE : Verdict.VIOLATION);
        violations += expected ? 0 : 1;
      }
      System.out.println("brute force agreed on 400 histories, " + violations + " violations");
      assertThat(violations).as("both verdicts exercised").isBetween(50, 350);
    }
  }
}
