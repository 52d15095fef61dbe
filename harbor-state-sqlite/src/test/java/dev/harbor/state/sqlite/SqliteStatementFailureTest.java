package dev.harbor.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.StateConfig;
import dev.harbor.state.StorageException;
import dev.harbor.state.spi.StoreContext;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A kept statement that failed inside SQLite is prepared anew (issue 23 defect 7). sqlite-jdbc
 * finalizes a statement whose step fails with any result code but BUSY, LOCKED, CONSTRAINT and
 * MISUSE, so the transient codes (NOMEM, INTERRUPT, ABORT, PROTOCOL, SCHEMA) and the I/O errors all
 * take this path; {@code abs()} of the smallest integer (an "integer overflow" error at step) is a
 * failure that can be produced at will.
 */
class SqliteStatementFailureTest {

  private static final String ABS = "SELECT abs(?)";

  private Path dir;
  private SqliteDatabase db;

  @BeforeEach
  void open() {
    dir = TestFiles.newDirectory("harbor-statement-failure");
    SqliteSettings settings =
        SqliteSettings.parse(
            StateConfig.builder()
                .driver("sqlite")
                .location(dir.resolve("s.db").toString())
                .option("readers", "2")
                .build());
    db = SqliteDatabase.open(settings, new StoreContext("sqlite", "s.db", 1024, Clock.systemUTC()));
  }

  @AfterEach
  void close() {
    db.close();
    TestFiles.deleteRecursively(dir);
  }

  private static long abs(PreparedStatement p, long value) throws SQLException {
    p.setLong(1, value);
    try (ResultSet rs = p.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void aReadConnectionsStatementThatFailed_isPreparedAnew() {
    for (int reader = 0; reader < 2; reader++) {
      assertThatThrownBy(() -> db.read("abs", s -> abs(s.of(ABS), Long.MIN_VALUE)))
          .isInstanceOf(StorageException.class);
    }
    for (int i = 0; i < 4; i++) {
      long read = db.<Long>read("abs", s -> abs(s.of(ABS), -5));
      assertThat(read).as("read %d after", i).isEqualTo(5);
    }
  }

  @Test
  void theWriteConnectionsStatementThatFailed_isPreparedAnew() {
    assertThatThrownBy(() -> db.write("abs", c -> abs(db.writeStatement(ABS), Long.MIN_VALUE)))
        .isInstanceOf(StorageException.class);
    long written = db.<Long>write("abs", c -> abs(db.writeStatement(ABS), -5));
    assertThat(written).isEqualTo(5);
  }
}
