/**
 * The module graph of the reactor, written down as ArchUnit rules and checked on every build.
 *
 * <p>The POMs already say which module may see which; these rules say what a module must not use
 * even where a dependency would let it, and they fail the build the day someone adds the wrong
 * import or the wrong dependency. The rules: the three drivers never depend on each other; the
 * internal {@code harbor-state-sql} module is used by the SQLite and PostgreSQL drivers and nobody
 * else; the API module depends on nothing but the JDK and JSpecify's annotations; and no library
 * module depends on the command line tool.
 *
 * <p>This module is tests only and never published. It depends, in test scope, on every module that
 * has main code, so all of them are on its test class path; only their main classes are imported. A
 * class belongs to the module whose jar or {@code target/classes} directory it was loaded from
 * ({@link dev.harbor.state.architecture.ReactorModule}), not to a package, so a module that grows a
 * package stays under its rules.
 *
 * <p>Start with {@code ModuleDependencyRulesTest}: one field per rule, each with the reason it
 * exists, and a check that the import saw every module (so no rule can pass on an empty set).
 * Everything here is package-private.
 */
package dev.harbor.state.architecture;
