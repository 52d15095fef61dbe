package dev.harbor.state.cli;

import dev.harbor.state.spi.Locations;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the passwords of the locations on a command line out of the tool's error lines. picocli
 * echoes a mistyped option with its value ({@code Unknown option: '--stor=postgres://root:pw@...'})
 * and an argument it cannot place; those lines pass through here, which puts each argument's
 * redaction (the location parsed as it would be opened) in place of the argument, and then masks
 * any password the arguments and {@code $HARBOR_STATE_STORE} hold wherever it still appears.
 */
final class Scrubber {

  /** A shorter secret is not searched for in free text: it would mask unrelated words. */
  private static final int MIN_FREE_TEXT_SECRET = 3;

  private final Map<String, String> arguments = new LinkedHashMap<>();
  private final List<String> secrets = new ArrayList<>();

  private Scrubber() {}

  /**
   * The scrubber of one run.
   *
   * @param args the command line
   * @param env the environment, whose {@link HarborStateCli#STORE_ENV} may name a location
   * @return the scrubber
   */
  static Scrubber of(String[] args, Map<String, String> env) {
    Scrubber s = new Scrubber();
    List<String> texts = new ArrayList<>(List.of(args));
    String fromEnv = env.get(HarborStateCli.STORE_ENV);
    if (fromEnv != null) {
      texts.add(fromEnv);
    }
    for (String text : texts) {
      // An option and its value in one argument (--store=L) holds the location after the first =.
      int eq = text.indexOf('=');
      String value = text.startsWith("-") && eq > 0 ? text.substring(eq + 1) : text;
      List<String> found = Locations.secrets(value);
      if (!found.isEmpty()) {
        s.arguments.put(
            text, text.substring(0, text.length() - value.length()) + Locations.redact(value));
        s.secrets.addAll(found);
      }
    }
    s.secrets.removeIf(x -> x.length() < MIN_FREE_TEXT_SECRET);
    s.secrets.sort(Comparator.comparingInt(String::length).reversed());
    return s;
  }

  /**
   * A line with every argument that holds a secret replaced by its redaction, and every remaining
   * occurrence of a secret masked.
   *
   * @param text a line (or lines) the tool is about to print
   * @return the text without secrets
   */
  String scrub(String text) {
    String out = text;
    for (Map.Entry<String, String> a : arguments.entrySet()) {
      out = out.replace(a.getKey(), a.getValue());
    }
    for (String secret : secrets) {
      out = out.replace(secret, "***");
    }
    return out;
  }
}
