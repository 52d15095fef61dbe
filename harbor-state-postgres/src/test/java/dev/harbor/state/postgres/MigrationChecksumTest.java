package dev.harbor.state.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The checksum recorded for a shipped migration never changes: databases migrated before must still
 * verify. This driver has always recorded the SHA-256 of the file's bytes; the shared plan hashes
 * the text with LF line endings, which is the same for the shipped files (UTF-8 with LF endings). A
 * file that broke this would fail here.
 */
class MigrationChecksumTest {

  @Test
  void shippedChecksums_areTheSha256OfTheFileBytes() throws Exception {
    for (var m : PgMigrations.PLAN.migrations()) {
      byte[] bytes;
      try (InputStream in = PgMigrations.class.getResourceAsStream("migrations/" + m.name())) {
        bytes = in.readAllBytes();
      }
      assertThat(m.checksum())
          .as(m.name())
          .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
    }
    assertThat(PgMigrations.PLAN.migrations().get(0).checksum())
        .isEqualTo("08cad2e20de04986aec0672e48697a0df96a7a7b5249d1a533c080009f5aa36c");
  }
}
