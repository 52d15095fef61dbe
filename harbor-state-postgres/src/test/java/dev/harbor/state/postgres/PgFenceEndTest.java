package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.harbor.state.SlotExpectation;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.StorageException;
import dev.harbor.state.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How a fence ends once its action has run (CONTRACT.md 4.7, 4.13): the action ran exactly once, so
 * no answer may invite the caller to run it again. An action that closes its own store ends
 * normally (the TCK states that for every driver); a fence whose connection breaks under the action
 * is a non-transient failure that says the action ran.
 */
class PgFenceEndTest extends DatabaseTest {

  @Test
  void aFenceWhoseConnectionBreaksUnderTheAction_saysTheActionRan_andIsNotTransient()
      throws Exception {
    String applicationName = Backends.uniqueApplicationName();
    StateStore store = open("operationTimeout=5s", "applicationName=" + applicationName);
    StateRecord held = record("FENCED-1", "k", "v");
    store.save(held);
    AtomicInteger runs = new AtomicInteger();

    Throwable thrown =
        catchThrowable(
            () ->
                store.fenceIf(
                    SlotExpectation.exact(Q, "k", held.id()),
                    () -> {
                      runs.incrementAndGet();
                      terminateTheFencesBackend(applicationName);
                    }));

    assertThat(runs).hasValue(1);
    assertThat(thrown)
        .as("a retry would run the action twice")
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("the action ran once");
    assertThat(((StorageException) thrown).isTransient()).isFalse();
    // The fence wrote nothing, and the store goes on.
    assertThat(store.find(Q, "k")).map(StateRecord::id).contains(held.id());
  }

  /** Terminates the store's one backend that is inside a transaction: the fence's. */
  private static void terminateTheFencesBackend(String applicationName) {
    try (Connection c = TestPostgres.connect();
        PreparedStatement p =
            c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE application_name = ? AND state = 'idle in transaction'")) {
      p.setString(1, applicationName);
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).as("the fence's backend").isTrue();
        assertThat(rs.getBoolean(1)).isTrue();
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }
}
