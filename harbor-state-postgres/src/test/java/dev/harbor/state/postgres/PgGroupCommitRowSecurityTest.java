package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import dev.harbor.state.EventId;
import dev.harbor.state.Quadruple;
import dev.harbor.state.StateRecord;
import dev.harbor.state.testing.BackgroundCall;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every steered group commit scenario again with {@code rowSecurity=on}, as the least-privilege
 * role (SPEC 9.4), and a group whose members are of several tenants: its statements declare the
 * group's tenant list, which the policy checks each row against.
 */
class PgGroupCommitRowSecurityTest extends PgGroupCommitTest {

  private static TestRole role;

  @BeforeAll
  static void createRole() {
    role = TestRole.create();
  }

  @AfterAll
  static void dropRole() {
    role.close();
  }

  @Override
  void prepareSchema() {
    role.migrateAndGrant(schema, "rowSecurity=on");
  }

  @Override
  void configurePool(HikariConfig hc) {
    hc.setUsername(role.name());
    hc.setPassword(null);
  }

  @Override
  Map<String, String> storeOptions() {
    return Map.of("schema", schema, "migrate", "verify", "rowSecurity", "on");
  }

  @Test
  void aGroupOfSeveralTenants_commitsAsOneGroup_underThePolicy() throws Exception {
    List<StateRecord> records = new ArrayList<>();
    List<Runnable> saves = new ArrayList<>();
    for (String tenant : List.of("t1", "t2", "t3")) {
      StateRecord r =
          StateRecord.of(
              EventId.newId(),
              new Quadruple(tenant, "u", "s", "r"),
              "k",
              tenant.getBytes(StandardCharsets.UTF_8));
      records.add(r);
      saves.add(() -> store().save(r));
    }
    long before = groupsOfSize(3);
    List<BackgroundCall> ended = commitAsOneGroup(saves, queued -> {});
    assertThat(ended).allSatisfy(c -> assertThat(c.failure()).isNull());
    assertThat(groupsOfSize(3)).isEqualTo(before + 1);
    for (StateRecord r : records) {
      assertThat(store().load(r.identity(), r.kind()).sameContent(r)).isTrue();
    }
  }
}
