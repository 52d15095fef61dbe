package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.harbor.state.CommitOutcomeUnknownException;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import dev.harbor.state.spi.StoreContext;
import dev.harbor.state.spi.StoreCore;
import dev.harbor.state.spi.StoreDriver;
import dev.harbor.state.sql.CallLog;
import dev.harbor.state.testing.LogCapture;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The SQL drivers' call log on its own: a commit whose outcome is unknown is a WARN naming the
 * operation and the failure, never the payload. (A driver whose commits fail on purpose stands in
 * for a broken connection.)
 */
class PgCallLogTest {

  private static final String PAYLOAD = "payload-that-must-never-be-logged-5d1e";

  @Test
  void anUnknownCommitOutcome_isAWarning_withoutThePayload() {
    StoreDriver failing =
        (StoreDriver)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {StoreDriver.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("save")) {
                    throw new CommitOutcomeUnknownException(
                        "the connection broke while committing save (test)", null);
                  }
                  return null;
                });
    StoreContext context = new StoreContext("postgres", 1024, Clock.systemUTC());
    CallLog.attach(
        context, LoggerFactory.getLogger("dev.harbor.state.test"), Duration.ofSeconds(30));
    StateStore store = StoreCore.open(context, failing);
    try (LogCapture log = new LogCapture()) {
      assertThatThrownBy(
              () ->
                  store.save(
                      StateRecord.of(
                          EventId.of("e1"),
                          new Quadruple("t", "u", "s", ""),
                          "note",
                          PAYLOAD.getBytes(StandardCharsets.UTF_8))))
          .isInstanceOf(CommitOutcomeUnknownException.class);
      assertThat(log.lines(Level.WARN))
          .singleElement()
          .satisfies(
              l ->
                  assertThat(l)
                      .contains("save on the postgres store")
                      .contains("outcome is unknown")
                      .contains("the connection broke while committing"));
      assertThat(log.lines()).noneMatch(l -> l.contains(PAYLOAD));
    }
    store.close();
  }
}
