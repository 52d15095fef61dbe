package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateStores;
import dev.harbor.state.spi.StoreOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * README's option tables and command list are the drivers' and the tool's own: this keeps them in
 * step.
 */
class ReadmeTest {

  private static String readme() throws Exception {
    return Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
  }

  @Test
  void everyOptionOfEveryDriver_isInTheReadmeExactlyAsTheDriverDescribesIt() throws Exception {
    String readme = readme();
    assertThat(StateStores.registeredDrivers()).containsExactly("inmem", "postgres", "sqlite");
    for (String driver : StateStores.registeredDrivers()) {
      for (StoreOption option : StateStores.options(driver)) {
        assertThat(readme)
            .as("README row of %s option %s", driver, option.name())
            .contains(DriversCommand.row(option));
      }
    }
  }

  @Test
  void everyCommand_hasAnExampleInTheReadme() throws Exception {
    String readme = readme();
    Cli.Result help = Cli.run("--help");
    for (String command : new picocli.CommandLine(new HarborStateCli()).getSubcommands().keySet()) {
      assertThat(
              readme
                  .lines()
                  .filter(
                      l -> l.startsWith("| `" + command + "` |") && l.contains("./harbor-state")))
          .as("README example of %s", command)
          .anySatisfy(row -> assertThat(row).containsPattern(" " + command + "[ `]"));
    }
    assertThat(help.code()).isZero();
  }
}
