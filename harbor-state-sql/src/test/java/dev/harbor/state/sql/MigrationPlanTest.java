package dev.harbor.state.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harbor.state.StorageException;
import dev.harbor.state.sql.MigrationPlan.Applied;
import dev.harbor.state.sql.MigrationPlan.Migration;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Loading, checksums and the ledger check, without a database. */
class MigrationPlanTest {

  private static final List<String> THREE =
      List.of("V0001__one.sql", "V0002__two.sql", "V0003__three.sql");
  private static final String DB = "test database t";

  private static MigrationPlan plan() {
    return MigrationPlan.load(MigrationPlanTest.class, "plan/", THREE);
  }

  private static Applied applied(Migration m) {
    return new Applied(m.version(), m.name(), m.checksum());
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void load_numbersFromOne_andHashesTheTextWithLfLineEndings() throws Exception {
    List<Migration> ms = plan().migrations();
    assertThat(ms).extracting(Migration::version).containsExactly(1, 2, 3);
    assertThat(ms.get(0).sql())
        .isEqualTo("-- one\nCREATE TABLE one (x TEXT);\n"); // the file has CRLF
    assertThat(ms.get(0).checksum()).isEqualTo(sha256("-- one\nCREATE TABLE one (x TEXT);\n"));
    assertThat(ms.get(1).checksum()).isEqualTo(sha256("CREATE TABLE two (x TEXT);\n"));
    assertThat(plan().latestVersion()).isEqualTo(3);
  }

  @Test
  void load_ofAMisnumberedOrMissingFile_isAPackagingError() {
    assertThatThrownBy(
            () -> MigrationPlan.load(MigrationPlanTest.class, "plan/", List.of("V0002__two.sql")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("V0001__<name>.sql");
    assertThatThrownBy(
            () -> MigrationPlan.load(MigrationPlanTest.class, "plan/", List.of("V0001__none.sql")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void pending_isWhatFollowsTheAppliedPrefix() {
    List<Migration> ms = plan().migrations();
    assertThat(plan().pending(List.of(), DB)).isEqualTo(ms);
    assertThat(plan().pending(List.of(applied(ms.get(0))), DB)).isEqualTo(ms.subList(1, 3));
    assertThat(plan().pending(ms.stream().map(MigrationPlanTest::applied).toList(), DB)).isEmpty();
  }

  @Test
  void requireCurrent_passesAFullLedger_andNamesWhatIsPendingOtherwise() {
    List<Migration> ms = plan().migrations();
    plan().requireCurrent(ms.stream().map(MigrationPlanTest::applied).toList(), DB);
    assertThatThrownBy(() -> plan().requireCurrent(List.of(applied(ms.get(0))), DB))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("is not current")
        .hasMessageContaining("at version 1 but this driver needs version 3")
        .hasMessageContaining(ms.get(1).name() + ", " + ms.get(2).name())
        .hasMessageContaining("harbor-state migrate");
  }

  @Test
  void editedMigration_isRefused_sayingWhatToDo() {
    Migration m = plan().migrations().get(0);
    assertThatThrownBy(() -> plan().pending(List.of(new Applied(1, m.name(), "abc")), DB))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isFalse())
        .hasMessageContaining(DB)
        .hasMessageContaining("V0001__one.sql")
        .hasMessageContaining("abc")
        .hasMessageContaining("must never be edited")
        .hasMessageContaining("new migration");
    assertThatThrownBy(
            () -> plan().pending(List.of(new Applied(1, "V0001__renamed.sql", m.checksum())), DB))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("edited");
  }

  @Test
  void unknownMigration_isRefused_asFromANewerVersion() {
    List<Applied> ledger =
        plan().migrations().stream()
            .map(MigrationPlanTest::applied)
            .collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new));
    ledger.add(new Applied(4, "V0004__future.sql", "f"));
    assertThatThrownBy(() -> plan().pending(ledger, DB))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isFalse())
        .hasMessageContaining("V0004__future.sql")
        .hasMessageContaining("does not know")
        .hasMessageContaining("newer harbor-state");
    assertThatThrownBy(() -> plan().pending(List.of(new Applied(0, "V0000__zero.sql", "z")), DB))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("does not know");
  }

  @Test
  void missingMigration_belowAnAppliedOne_isRefused() {
    List<Migration> ms = plan().migrations();
    assertThatThrownBy(() -> plan().pending(List.of(applied(ms.get(0)), applied(ms.get(2))), DB))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.isTransient()).isFalse())
        .hasMessageContaining("missing migration V0002__two.sql")
        .hasMessageContaining("V0002__two.sql is missing")
        .hasMessageContaining("V0003__three.sql")
        .hasMessageContaining("backup");
  }
}
