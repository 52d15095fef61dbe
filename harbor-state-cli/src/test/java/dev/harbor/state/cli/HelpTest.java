package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /** Declaration order, not alphabetical: the slot comes first, then what the command adds. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "put:--tenant,--user,--session,--run,--kind,--event-id",
        "rm:--tenant,--kind,--if-event",
        "purge:--tenant,--older-than,--prefix,--dry-run",
        "bench:--threads,--seconds,--warmup,--payload"
      })
  void everyCommand_listsItsOptionsInTheOrderItDeclaresThem(String commandAndOrder) {
    String command = commandAndOrder.substring(0, commandAndOrder.indexOf(':'));
    String[] order = commandAndOrder.substring(command.length() + 1).split(",");
    Cli.Result r = Cli.run(command, "--help");
    assertThat(r.code()).as(r.toString()).isZero();
    int previous = -1;
    for (String option : order) {
      // The option list indents each option by six; the synopsis and the examples do not.
      Matcher listed = Pattern.compile("(?m)^( {6}| {2}-\\w, )" + option + "[= ]").matcher(r.out());
      int at = listed.find() ? listed.start() : -1;
      assertThat(at)
          .as("%s comes after the options before it in %s", option, r.out())
          .isGreaterThan(previous);
      previous = at;
    }
  }
}
