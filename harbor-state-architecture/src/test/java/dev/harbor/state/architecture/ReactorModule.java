package dev.harbor.state.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The reactor's modules that have main code, and which of them a class comes from.
 *
 * <p>A class belongs to the module whose artifact Maven put on the test class path for it: the
 * module's jar ({@code .../harbor-state-sqlite-0.1.0-SNAPSHOT.jar}, in the reactor or the local
 * repository) or its {@code .../harbor-state-sqlite/target/classes} directory. The last {@code
 * harbor-state-NAME} of the location is the module. Telling modules apart by location rather than
 * by package keeps the rules true to the POMs' graph when a module grows a package.
 */
enum ReactorModule {
  API("api"),
  SQL("sql"),
  INMEM("inmem"),
  SQLITE("sqlite"),
  POSTGRES("postgres"),
  TCK("tck"),
  CLI("cli"),
  TESTING("testing"),
  BENCHMARKS("benchmarks"),
  MICROMETER("micrometer"),
  SPRING_BOOT_STARTER("spring-boot-starter"),
  CHAT("chat"),
  SPRING_AI("spring-ai"),
  LANGCHAIN4J("langchain4j"),
  LANGGRAPH4J("langgraph4j"),
  ADK("adk"),
  CRYPTO("crypto");

  /** The drivers: none may depend on another. */
  static final Set<ReactorModule> DRIVERS = EnumSet.of(INMEM, SQLITE, POSTGRES);

  /** The drivers that may use the internal SQL module, and the module itself. */
  static final Set<ReactorModule> SQL_AND_ITS_DRIVERS = EnumSet.of(SQL, SQLITE, POSTGRES);

  /** Modules that are libraries (published or test support), as opposed to tools. */
  static final Set<ReactorModule> LIBRARIES =
      EnumSet.of(
          API,
          SQL,
          INMEM,
          SQLITE,
          POSTGRES,
          TCK,
          TESTING,
          MICROMETER,
          SPRING_BOOT_STARTER,
          CHAT,
          SPRING_AI,
          LANGCHAIN4J,
          LANGGRAPH4J,
          ADK,
          CRYPTO);

  /**
   * The integrations with frameworks and metrics: they sit on top of the API, and nothing of ours
   * below them may see the frameworks they bring.
   */
  static final Set<ReactorModule> INTEGRATIONS =
      EnumSet.of(
          MICROMETER, SPRING_BOOT_STARTER, CHAT, SPRING_AI, LANGCHAIN4J, LANGGRAPH4J, ADK, CRYPTO);

  /** The chat memory core: framework-free, under both frameworks' chat memories. */
  static final Set<ReactorModule> FRAMEWORK_FREE = EnumSet.of(CHAT, MICROMETER, CRYPTO);

  /** The modules that must never see a framework or metrics library: the API and the drivers. */
  static final Set<ReactorModule> CORE = EnumSet.of(API, SQL, INMEM, SQLITE, POSTGRES);

  /**
   * The module in a location: the longest known suffix wins, so {@code harbor-state-spring-ai} is
   * not read as a module {@code spring}.
   */
  private static final Pattern ARTIFACT =
      Pattern.compile(
          "harbor-state-(spring-boot-starter|spring-ai|langchain4j|langgraph4j|[a-z]+)(?=[/.-])");

  private final String suffix;

  ReactorModule(String suffix) {
    this.suffix = suffix;
  }

  /** The module's artifact id. */
  String artifactId() {
    return "harbor-state-" + suffix;
  }

  /**
   * The module a class was imported from.
   *
   * @return empty for classes outside the reactor's modules (the JDK, libraries) and for classes
   *     that were not imported, only referred to
   */
  static Optional<ReactorModule> of(JavaClass javaClass) {
    // An array type has no class file of its own: it belongs where its element type does.
    return javaClass
        .getBaseComponentType()
        .getSource()
        .flatMap(source -> ofLocation(source.getUri().toString()));
  }

  /** The module of a class file location (a jar or a classes directory), if it is one of ours. */
  static Optional<ReactorModule> ofLocation(String location) {
    Matcher matcher = ARTIFACT.matcher(location);
    String last = null;
    while (matcher.find()) {
      last = matcher.group(1);
    }
    String found = last;
    return Arrays.stream(values()).filter(m -> m.suffix.equals(found)).findFirst();
  }

  /** Classes imported from any of {@code modules}. */
  static DescribedPredicate<JavaClass> in(Set<ReactorModule> modules) {
    return DescribedPredicate.describe(
        "reside in " + names(modules), c -> of(c).map(modules::contains).orElse(false));
  }

  /** Classes imported from any of {@code modules}. */
  static DescribedPredicate<JavaClass> in(ReactorModule first, ReactorModule... rest) {
    return in(EnumSet.of(first, rest));
  }

  /** Classes imported from a module of ours other than {@code modules}. */
  static DescribedPredicate<JavaClass> inAnyModuleBut(Set<ReactorModule> modules) {
    return DescribedPredicate.describe(
        "reside in a module other than " + names(modules),
        c -> of(c).map(m -> !modules.contains(m)).orElse(false));
  }

  static String names(Set<ReactorModule> modules) {
    return modules.stream()
        .map(ReactorModule::artifactId)
        .collect(Collectors.joining(", ", "[", "]"));
  }
}
