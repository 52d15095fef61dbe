package dev.harbor.state.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.harbor.state.StateStores;
import dev.harbor.state.spi.StoreOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's option tables, command list and module table are the drivers', the tool's and the
 * reactor's own: this keeps them in step.
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

  @Test
  void everyModuleOfTheReactor_hasARowInTheModulesTable() throws Exception {
    String readme = readme();
    String pom = Files.readString(Path.of("..", "pom.xml"), StandardCharsets.UTF_8);
    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
    int modules = 0;
    while (module.find()) {
      modules++;
      assertThat(readme)
          .as("README's row of module %s", module.group(1))
          .contains("| `" + module.group(1) + "` |");
    }
    assertThat(modules).isGreaterThan(10);
  }
}
