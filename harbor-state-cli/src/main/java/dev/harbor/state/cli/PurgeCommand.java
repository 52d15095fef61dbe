package dev.harbor.state.cli;

import dev.harbor.state.ListScope;
import dev.harbor.state.ScanPage;
import dev.harbor.state.StateRecord;
import dev.harbor.state.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code purge}: retention by age, in steps until nothing old is left. */
@Command(
    name = "purge",
    description =
        "Delete a tenant's records older than --older-than (StateStore.purge): those whose kind starts with "
            + "--prefix and whose updatedAt is before now minus DURATION, oldest first, in atomic steps of --step "
            + "records until none is left. Without --prefix every kind is purged (the tool first scans the store "
            + "once to find the tenant's kinds). --dry-run counts them and deletes nothing. Prints the count.",
    footer = {
      "",
      "DURATION: a number with ms, s, m, h or d (days), or ISO-8601 (PT30M, P30D).",
      "",
      "Examples:",
      "  harbor-state purge --tenant acme --older-than 30d --prefix task.checkpoint",
      "  harbor-state purge --tenant acme --older-than 12h --dry-run"
    })
final class PurgeCommand extends RetentionCommand {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");
  private static final int PAGE = 256;

  @Mixin TenantOption target;

  @Option(
      names = "--older-than",
      required = true,
      paramLabel = "DURATION",
      description = "Purge records stamped before now minus this (30d, 12h, PT30M).")
  String olderThan;

  @Option(
      names = "--prefix",
      paramLabel = "PREFIX",
      description = "Only kinds starting with this literal prefix (default: every kind).")
  String prefix;

  @Option(names = "--dry-run", description = "Count what would be purged; delete nothing.")
  boolean dryRun;

  @Override
  int run() throws Exception {
    Instant cutoff = clock.instant().minus(duration(olderThan));
    return withStore(
        store -> {
          long count = 0;
          if (dryRun) {
            long[] old = {0};
            forEachOfTenant(store, r -> old[0] += isBefore(r, cutoff) ? 1 : 0);
            count = old[0];
          } else {
            for (String p : prefix != null ? List.of(prefix) : firstCharacters(store)) {
              count +=
                  untilZero(
                      "purge " + p,
                      () -> store.purge(ListScope.MAINTENANCE, target.tenant, p, cutoff, step()));
            }
          }
          io().out().println(count);
        });
  }

  /** Whether a stored record (always stamped) is older than the cutoff. */
  private static boolean isBefore(StateRecord r, Instant cutoff) {
    Instant at = r.updatedAt();
    return at != null && at.isBefore(cutoff);
  }

  /**
   * Every distinct first character (code point) of the tenant's kinds: the prefixes that together
   * match every kind, since the store takes no empty prefix.
   */
  private Set<String> firstCharacters(StateStore store) {
    TreeSet<String> firsts = new TreeSet<>();
    forEachOfTenant(
        store, r -> firsts.add(r.kind().substring(0, r.kind().offsetByCodePoints(0, 1))));
    return firsts;
  }

  /**
   * Walks the tenant's records of the prefix (a maintenance scan), or without a prefix every record
   * of the store in slot order, stopping after the tenant's last.
   */
  private void forEachOfTenant(StateStore store, Consumer<StateRecord> each) {
    String token = "";
    boolean seen = false;
    do {
      ScanPage page =
          prefix != null
              ? store.scanKindForTenant(ListScope.MAINTENANCE, target.tenant, prefix, PAGE, token)
              : store.scanAll(ListScope.MAINTENANCE, 1000, token);
      for (StateRecord r : page.records()) {
        boolean mine = r.identity().tenantId().equals(target.tenant);
        if (!mine && seen) {
          return; // slot order: the tenant's records are one run
        }
        seen |= mine;
        if (mine) {
          each.accept(r);
        }
      }
      token = page.continuation();
    } while (!token.isEmpty());
  }

  /**
   * A DURATION: a count with {@code ms}, {@code s}, {@code m}, {@code h} or {@code d}, or ISO-8601.
   *
   * @param text the option's value
   * @return the duration, not negative
   * @throws ExitCodes.InvalidInputException if it is none of these
   */
  static Duration duration(String text) {
    String t = Objects.requireNonNull(text, "text").strip();
    Matcher m = DURATION.matcher(t);
    try {
      Duration d;
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        d =
            switch (m.group(2)) {
              case "ms" -> Duration.ofMillis(n);
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              case "h" -> Duration.ofHours(n);
              default -> Duration.ofDays(n);
            };
      } else {
        d = Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      if (!d.isNegative()) {
        return d;
      }
    } catch (DateTimeParseException | ArithmeticException e) {
      // reported below, as every malformed value is
    }
    throw new ExitCodes.InvalidInputException(
        "--older-than '" + text + "' is not a duration such as 30d, 12h, 90m or PT30M");
  }
}
