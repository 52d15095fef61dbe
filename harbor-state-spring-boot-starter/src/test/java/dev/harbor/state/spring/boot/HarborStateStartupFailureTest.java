package dev.harbor.state.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.annotation.Configuration;

/**
 * A bad setting, started as a Spring Boot application: what Spring Boot prints is its short
 * "APPLICATION FAILED TO START" block naming the property and what to do (the stack goes to DEBUG
 * only), not 80 to 110 lines of stack.
 */
class HarborStateStartupFailureTest {

  private static final String LOGGING_SYSTEM = "org.springframework.boot.logging.LoggingSystem";

  /** The application: the starter's auto-configuration and nothing else. */
  @Configuration(proxyBeanMethods = false)
  @ImportAutoConfiguration(HarborStateAutoConfiguration.class)
  static class App {}

  private final Path dir = TestPools.newDirectory();

  @BeforeAll
  static void quietLogging() {
    // Spring Boot's logging system would reconfigure the tests' logback; the report is captured.
    System.setProperty(LOGGING_SYSTEM, "none");
  }

  @AfterAll
  static void restoreLogging() {
    System.clearProperty(LOGGING_SYSTEM);
  }

  @AfterEach
  void cleanUp() throws Exception {
    CapturingFailureReporter.takeAll();
    TestPools.deleteRecursively(dir);
  }

  /** Starts the application with these properties; it must fail; returns Spring Boot's report. */
  private static FailureAnalysis failedStart(String... properties) {
    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(App.class)
                    .web(WebApplicationType.NONE)
                    .bannerMode(Banner.Mode.OFF)
                    .logStartupInfo(false)
                    .properties(properties)
                    .run()
                    .close())
        .as("the start fails")
        .isNotNull();
    List<FailureAnalysis> reported = CapturingFailureReporter.takeAll();
    assertThat(reported).as("a failure analysis, not a bare stack").hasSize(1);
    FailureAnalysis analysis = reported.get(0);
    String block = analysis.getDescription() + "\n" + analysis.getAction();
    assertThat(block.lines().count()).as("short: " + block).isLessThanOrEqualTo(8);
    assertThat(analysis.getAction()).isNotBlank();
    return analysis;
  }

  @Test
  void aMisspelledKey_isNamed() {
    FailureAnalysis analysis = failedStart("harbor.state.locaton=inmem:");
    assertThat(analysis.getDescription()).contains("harbor.state.locaton");
  }

  @Test
  void aBadOption_namesTheOptionsProperty_andTheLocation() {
    FailureAnalysis analysis =
        failedStart(
            "harbor.state.location=sqlite:" + dir.resolve("bad.db"),
            "harbor.state.options.readers=0");
    assertThat(analysis.getDescription())
        .contains("harbor.state.options")
        .contains("readers")
        .contains("harbor.state.location=sqlite:");
    assertThat(analysis.getAction()).contains("harbor.state.options");
  }

  @Test
  void anUnknownDriver_saysWhichModuleToAdd() {
    FailureAnalysis analysis = failedStart("harbor.state.location=nosuch:x");
    assertThat(analysis.getDescription()).contains("harbor.state.location=nosuch:x");
    assertThat(analysis.getAction()).contains("harbor.state.location");
  }

  @Test
  void anUnreachableDatabase_namesTheLocation_withoutThePassword() {
    FailureAnalysis analysis =
        failedStart(
            "harbor.state.location=postgres://app:s3cret@127.0.0.1:1/app?connectTimeout=1s");
    assertThat(analysis.getDescription())
        .contains("harbor.state.location=postgres://app")
        .contains("127.0.0.1:1")
        .doesNotContain("s3cret");
    assertThat(analysis.getAction()).contains("harbor.state.location").doesNotContain("s3cret");
  }

  @Test
  void aMissingRequiredLocation_saysToSetIt() {
    FailureAnalysis analysis = failedStart("harbor.state.fallback=none");
    assertThat(analysis.getDescription()).contains("harbor.state.location");
    assertThat(analysis.getAction()).contains("harbor.state.location");
  }
}
