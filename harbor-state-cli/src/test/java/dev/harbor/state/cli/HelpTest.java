package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HelpTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "put",
        "get",
        "get-event",
        "rm",
        "erase-session",
        "ls",
        "scan",
        "export",
        "import",
        "copy",
        "migrate",
        "doctor",
        "certify",
        "bench",
        "demo"
      })
  void everyCommand_hasHelpWithExamples(String command) {
    Cli.Result r = Cli.run(command, "--help");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("Usage: harbor-state " + command)
        .contains("Examples:")
        .contains("harbor-state");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--help", "-h"})
  void theTopLevel_listsEveryCommandAndTheExitCodes(String flag) {
    Cli.Result r = Cli.run(flag);
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("put", "get-event", "erase-session", "certify", "bench", "demo", "Exit codes");
  }
}
