package dev.harbor.state.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The module graph of the POMs, as rules over the main classes of every module (test classes are
 * not imported). A POM says what a module may see; these rules say what it must not use even when
 * it could, for example through a dependency that arrives transitively.
 */
@AnalyzeClasses(packages = "dev.harbor.state", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleDependencyRulesTest {

  /** The packages of the Java runtime the tests run on: what "the JDK" means below. */
  private static final Set<String> JDK_PACKAGES =
      ModuleLayer.boot().modules().stream()
          .filter(m -> m.getDescriptor() != null)
          .flatMap(m -> m.getPackages().stream())
          .collect(Collectors.toUnmodifiableSet());

  private static final DescribedPredicate<JavaClass> JDK =
      DescribedPredicate.describe("belong to the JDK", ModuleDependencyRulesTest::isJdk);

  private static final DescribedPredicate<JavaClass> JSPECIFY =
      DescribedPredicate.describe(
          "are JSpecify's annotations (org.jspecify.annotations)",
          c -> c.getPackageName().equals("org.jspecify.annotations"));

  private static boolean isJdk(JavaClass c) {
    if (c.isArray()) {
      return isJdk(c.getBaseComponentType());
    }
    return c.isPrimitive() || JDK_PACKAGES.contains(c.getPackageName());
  }

  /**
   * A driver is found through the registry and stands alone: one driver reaching into another would
   * couple their releases and make a user of one carry the other's backend.
   */
  @ArchTest
  static final ArchRule driversNeverDependOnEachOther =
      slices()
          .assignedFrom(
              new SliceAssignment() {
                @Override
                public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                  return ReactorModule.of(javaClass)
                      .filter(ReactorModule.DRIVERS::contains)
                      .map(m -> SliceIdentifier.of(m.artifactId()))
                      .orElse(SliceIdentifier.ignore());
                }

                @Override
                public String getDescription() {
                  return "the driver modules " + ReactorModule.names(ReactorModule.DRIVERS);
                }
              })
          .should()
          .notDependOnEachOther()
          .because("each driver is found through the registry and depends only on the API");

  /** harbor-state-sql is shared code of the two SQL drivers, with no compatibility promise. */
  @ArchTest
  static final ArchRule sqlModuleIsUsedOnlyByTheSqlDrivers =
      noClasses()
          .that(ReactorModule.inAnyModuleBut(ReactorModule.SQL_AND_ITS_DRIVERS))
          .should()
          .dependOnClassesThat(ReactorModule.in(ReactorModule.SQL))
          .because(
              "harbor-state-sql is internal to the SQLite and PostgreSQL drivers: not an API, no"
                  + " compatibility promise");

  /**
   * The API is what users and third-party drivers compile against: it must bring nothing with it
   * but the JDK (and JSpecify's annotations, which carry no code).
   */
  @ArchTest
  static final ArchRule apiDependsOnlyOnTheJdk =
      classes()
          .that(ReactorModule.in(ReactorModule.API))
          .should()
          .onlyDependOnClassesThat(ReactorModule.in(ReactorModule.API).or(JDK).or(JSPECIFY))
          .because("users and third-party drivers get the API with nothing else attached");

  /**
   * Metrics and frameworks attach from outside, through the core's listener hook and the public
   * API: the API and the drivers never see Micrometer or Spring, so a user of a driver carries
   * neither.
   */
  @ArchTest
  static final ArchRule coreNeverSeesMetricsOrFrameworks =
      noClasses()
          .that(ReactorModule.in(ReactorModule.CORE))
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.micrometer..",
              "org.springframework..",
              "dev.langchain4j..",
              "org.bsc.langgraph4j..",
              "com.google.adk..")
          .orShould()
          .dependOnClassesThat(ReactorModule.in(ReactorModule.INTEGRATIONS))
          .because("metrics and frameworks attach through StoreListener and the public API");

  /** Integrations use the public API and SPI only, never a driver's or the SQL module's insides. */
  @ArchTest
  static final ArchRule integrationsUseOnlyTheApi =
      noClasses()
          .that(ReactorModule.in(ReactorModule.INTEGRATIONS))
          .should()
          .dependOnClassesThat(ReactorModule.in(ReactorModule.SQL, ReactorModule.TCK))
          .because("an integration works with every driver through the registry and the API");

  /**
   * The conversation log and the metrics are framework-free: a LangChain4j user does not carry
   * Spring, nor a Spring user LangChain4j.
   */
  @ArchTest
  static final ArchRule chatAndMetricsAreFrameworkFree =
      noClasses()
          .that(ReactorModule.in(ReactorModule.FRAMEWORK_FREE))
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "org.springframework..",
              "dev.langchain4j..",
              "org.bsc.langgraph4j..",
              "com.google.adk..")
          .because("each framework's module brings its framework; the shared parts bring none");

  /** The command line tool is an application on top of the libraries, never below one. */
  @ArchTest
  static final ArchRule noLibraryDependsOnTheCli =
      noClasses()
          .that(ReactorModule.in(ReactorModule.LIBRARIES))
          .should()
          .dependOnClassesThat(ReactorModule.in(ReactorModule.CLI))
          .because("the harbor-state command is an application built on the libraries");

  /**
   * The rules above would pass vacuously if the import missed a module or could not place a class:
   * every module must contribute classes, and every imported class must belong to a module.
   */
  @ArchTest
  static void everyModuleIsImported_andEveryClassBelongsToOne(JavaClasses imported) {
    Map<Optional<ReactorModule>, Long> countByModule =
        imported.stream()
            .filter(c -> c.getPackageName().startsWith("dev.harbor.state"))
            .collect(Collectors.groupingBy(ReactorModule::of, Collectors.counting()));
    assertThat(countByModule)
        .as("classes per module (a class with no module came from an unknown location)")
        .doesNotContainKey(Optional.empty());
    assertThat(countByModule.keySet().stream().map(Optional::orElseThrow))
        .containsExactlyInAnyOrderElementsOf(EnumSet.allOf(ReactorModule.class));
  }

  /** The location shapes Maven puts on the class path, and a checkout whose path names us too. */
  @ArchTest
  static void modulesAreToldApartByTheirArtifactsLocation(JavaClasses ignored) {
    Function<String, ReactorModule> of =
        location -> ReactorModule.ofLocation(location).orElse(null);
    assertThat(
            of.apply(
                "jar:file:/ci/harbor-state-java/harbor-state-sqlite/target/"
                    + "harbor-state-sqlite-0.1.0-SNAPSHOT.jar!/dev/harbor/state/sqlite/A.class"))
        .isEqualTo(ReactorModule.SQLITE);
    assertThat(
            of.apply(
                "jar:file:/root/.m2/repository/dev/harbor/harbor-state-sql/0.1.0-SNAPSHOT/"
                    + "harbor-state-sql-0.1.0-SNAPSHOT.jar!/dev/harbor/state/sql/A.class"))
        .isEqualTo(ReactorModule.SQL);
    assertThat(of.apply("file:/work/harbor-state-api/target/classes/dev/harbor/state/A.class"))
        .isEqualTo(ReactorModule.API);
    // A digit in the name: [a-z]+ alone would not reach the separator.
    assertThat(
            of.apply(
                "file:/work/harbor-state-langgraph4j/target/classes/dev/harbor/state/langgraph4j/"
                    + "A.class"))
        .isEqualTo(ReactorModule.LANGGRAPH4J);
    assertThat(of.apply("jar:file:/root/.m2/repository/org/x/y.jar!/dev/harbor/state/A.class"))
        .isNull();
  }
}
