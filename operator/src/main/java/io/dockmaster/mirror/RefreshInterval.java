package io.dockmaster.mirror;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations, as Kubernetes users write them: {@code 90s}, {@code 15m}, {@code 1h30m}. */
public final class RefreshInterval {

  /** Resolving more often than this only loads the registry; tags do not move that fast. */
  public static final Duration MINIMUM = Duration.ofSeconds(30);

  private static final Pattern WHOLE = Pattern.compile("([0-9]+(ms|s|m|h))+");
  private static final Pattern PART = Pattern.compile("([0-9]+)(ms|s|m|h)");

  private RefreshInterval() {}

  /**
   * @throws IllegalArgumentException with a message that completes "spec.refreshInterval: "
   */
  public static Duration parse(String value) {
    if (value == null || !WHOLE.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "\"" + value + "\" is not a duration; write e.g. 90s, 15m or 1h30m");
    }
    Duration total = Duration.ZERO;
    Matcher part = PART.matcher(value);
    while (part.find()) {
      long amount = Long.parseLong(part.group(1));
      total =
          switch (part.group(2)) {
            case "ms" -> total.plusMillis(amount);
            case "s" -> total.plusSeconds(amount);
            case "m" -> total.plusMinutes(amount);
            default -> total.plusHours(amount);
          };
    }
    if (total.compareTo(MINIMUM) < 0) {
      throw new IllegalArgumentException(
          "\""
              + value
              + "\" is shorter than the minimum of 30s; registries would be polled in vain");
    }
    return total;
  }
}
