package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

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

  /**
   * Declaration order, not alphabetical (a command's slot options first, then what it adds): the
   * help of every command lists its options in the order its spec holds them.
   */
  @Test
  void everyCommand_listsItsOptionsInTheOrderItDeclaresThem() {
    Map<String, CommandLine> commands = new CommandLine(new HarborStateCli()).getSubcommands();
    for (Map.Entry<String, CommandLine> command : commands.entrySet()) {
      Cli.Result r = Cli.run(command.getKey(), "--help");
      assertThat(r.code()).as(r.toString()).isZero();
      int previous = -1;
      for (OptionSpec option : command.getValue().getCommandSpec().options()) {
        if (option.hidden()) {
          continue;
        }
        // The option list indents each option by six; the synopsis and the examples do not.
        Matcher listed =
            Pattern.compile("(?m)^( {6}| {2}-\\w, )" + Pattern.quote(option.longestName()) + "[= ]")
                .matcher(r.out());
        int at = listed.find() ? listed.start() : -1;
        assertThat(at)
            .as(
                "%s %s comes after the options before it in %s",
                command.getKey(), option.longestName(), r.out())
            .isGreaterThan(previous);
        previous = at;
      }
    }
  }
}
