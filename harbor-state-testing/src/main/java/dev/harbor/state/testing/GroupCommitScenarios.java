package dev.harbor.state.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.EventId;
import dev.harbor.state.IdempotencyConflictException;
import dev.harbor.state.OperationCancelledException;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules of group commit that every driver grouping single-record writes keeps, stated once:
 * each caller in a group keeps its own outcome, writes to one slot apply in arrival order, and a
 * caller that leaves the queue is never written. A driver's group-commit test implements this
 * interface, supplying its store and how it steers calls into one group (the SQL drivers hold
 * commits in flight by different means), and JUnit runs the scenarios as its own tests.
 */
public interface GroupCommitScenarios {

  /**
   * The store under test, its group commit on.
   *
   * @return the store
   */
  StateStore store();

  /**
   * The quadruple the scenarios write under (the kinds are theirs).
   *
   * @return the quadruple
   */
  Quadruple at();

  /**
   * Holds the store's commits in flight, starts the calls one at a time (each queued before the
   * next starts), runs {@code whileQueued}, then lets the whole queue commit as one group and waits
   * for every call; the steering's own calls must have succeeded.
   *
   * @param calls the calls to group
   * @param whileQueued what the scenario does while the calls wait in the queue
   * @return the calls, in order, all ended
   * @throws InterruptedException if the test thread is interrupted
   */
  List<BackgroundCall> commitAsOneGroup(List<Runnable> calls, WhileQueued whileQueued)
      throws InterruptedException;

  /**
   * How many callers wait in the group-commit queue.
   *
   * @return the queue's length
   */
  int queued();

  /**
   * How many groups of a size have committed.
   *
   * @param size the group size
   * @return the count
   */
  long groupsOfSize(int size);

  /** What a scenario does while its calls wait in the queue, before their group may commit. */
  @FunctionalInterface
  interface WhileQueued {

    /**
     * Acts on the queued calls.
     *
     * @param queued the calls, in order
     * @throws InterruptedException if the test thread is interrupted
     */
    void run(List<BackgroundCall> queued) throws InterruptedException;
  }

  private StateRecord record(String eventId, String kind, String payload) {
    return StateRecord.of(
        EventId.of(eventId), at(), kind, payload.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * One caller of 32 reuses a live event id: it alone fails; the other 31 writes land, all in one
   * commit.
   *
   * @throws InterruptedException if the test thread is interrupted
   */
  @Test
  default void aConflictInTheMiddleOfAGroupOf32_failsOnlyThatCaller() throws InterruptedException {
    store().save(record("taken", "elsewhere", "x"));
    List<Runnable> calls = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      StateRecord r =
          i == 15
              ? record("taken", "k" + i, "other slot, so a conflict")
              : record("e" + i, "k" + i, "v" + i);
      calls.add(() -> store().save(r));
    }
    List<BackgroundCall> ended = commitAsOneGroup(calls, queued -> {});
    for (int i = 0; i < 32; i++) {
      Throwable f = ended.get(i).failure();
      if (i == 15) {
        assertThat(f).isInstanceOf(IdempotencyConflictException.class);
        assertThat(store().find(at(), "k15")).isEmpty();
      } else {
        assertThat(f).as("call %d", i).isNull();
        assertThat(store().load(at(), "k" + i).id()).isEqualTo(EventId.of("e" + i));
      }
    }
    assertThat(store().load(at(), "elsewhere").id()).isEqualTo(EventId.of("taken"));
    assertThat(groupsOfSize(32)).as("the 32 shared one commit").isEqualTo(1);
  }

  /**
   * In one group: a replay right after its write, an overwrite that forgets the first event id, a
   * new id twice with one content, and a new id twice with two contents (the second conflicts).
   *
   * @throws InterruptedException if the test thread is interrupted
   */
  @Test
  default void aReplayAndAnOverwriteOfOneSlotInOneGroup_applyInArrivalOrder()
      throws InterruptedException {
    StateRecord first = record("e1", "slot", "one");
    StateRecord second = record("e2", "slot", "two");
    List<BackgroundCall> ended =
        commitAsOneGroup(
            List.of(
                () -> store().save(first),
                () -> store().save(first), // a replay of the write just before it
                () -> store().save(second), // overwrites the slot; e1 is forgotten
                () -> store().save(record("n1", "same", "a")),
                () -> store().save(record("n1", "same", "a")), // same new id, same content
                () -> store().save(record("n2", "diff", "a")),
                () -> store().save(record("n2", "diff", "b"))), // same new id, other content
            queued -> {});
    assertThat(ended.subList(0, 6)).allSatisfy(c -> assertThat(c.failure()).isNull());
    assertThat(ended.get(6).failure()).isInstanceOf(IdempotencyConflictException.class);
    assertThat(store().load(at(), "slot").sameContent(second)).isTrue();
    assertThat(store().findByEventId(EventId.of("e1"))).isEmpty();
    assertThat(store().load(at(), "diff").bytes()).isEqualTo("a".getBytes(StandardCharsets.UTF_8));
    assertThat(groupsOfSize(7)).isEqualTo(1);
  }

  /**
   * A queued caller interrupted before its group commits leaves the queue with {@code
   * OperationCancelledException}, the flag kept, and its write never applies; the others commit.
   *
   * @throws InterruptedException if the test thread is interrupted
   */
  @Test
  default void aCallerInterruptedWhileQueued_isRemoved_andItsWriteNeverApplied()
      throws InterruptedException {
    List<BackgroundCall> ended =
        commitAsOneGroup(
            List.of(
                () -> store().save(record("a", "a", "a")),
                () -> store().save(record("b", "b", "b")),
                () -> store().save(record("c", "c", "c"))),
            queued -> {
              BackgroundCall b = queued.get(1);
              b.interrupt();
              b.join();
              assertThat(b.failure()).isInstanceOf(OperationCancelledException.class);
              assertThat(b.endedInterrupted()).isTrue();
              assertThat(queued()).isEqualTo(2);
            });
    assertThat(ended.get(0).failure()).isNull();
    assertThat(ended.get(2).failure()).isNull();
    assertThat(store().find(at(), "a")).isPresent();
    assertThat(store().find(at(), "b")).isEmpty();
    assertThat(store().find(at(), "c")).isPresent();
  }
}
