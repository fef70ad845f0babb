package io.dockmaster.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Every version of one Lease, as {@code kubectl get lease --watch} prints them. A watch sees each
 * write, so a hand-over that lasts less than a poll interval (the released Lease a follower takes
 * at once) is still on record, with the timestamps the electors wrote themselves.
 */
final class LeaseHistory implements AutoCloseable {

  /** One version of the Lease's spec; {@code holder} is empty once a holder released it. */
  record Version(
      String holder,
      Instant acquireTime,
      Instant renewTime,
      Duration leaseDuration,
      int transitions) {

    static Version parse(String line) {
      String[] f = line.split("\\|", -1);
      if (f.length != 5) {
        throw new IllegalStateException("unexpected Lease line from kubectl: " + line);
      }
      return new Version(
          f[0],
          f[1].isEmpty() ? null : Instant.parse(f[1]),
          f[2].isEmpty() ? null : Instant.parse(f[2]),
          Duration.ofSeconds(Long.parseLong(f[3])),
          f[4].isEmpty() ? 0 : Integer.parseInt(f[4]));
    }
  }

  private static final String FIELDS =
      "{.spec.holderIdentity}|{.spec.acquireTime}|{.spec.renewTime}"
          + "|{.spec.leaseDurationSeconds}|{.spec.leaseTransitions}{\"\\n\"}";

  private final Process watch;
  private final Path output;

  private LeaseHistory(Process watch, Path output) {
    this.watch = watch;
    this.output = output;
  }

  /** Starts watching a Lease that exists already. */
  static LeaseHistory watch(Path kubeconfig, String namespace, String name) throws IOException {
    Path output = Files.createTempFile("dockmaster-lease-" + name + "-", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(
                "kubectl",
                "get",
                "lease",
                name,
                "-n",
                namespace,
                "--watch",
                "-o",
                "jsonpath=" + FIELDS)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    builder.environment().putAll(Map.of("KUBECONFIG", kubeconfig.toString()));
    return new LeaseHistory(builder.start(), output);
  }

  /** The versions seen so far, oldest first; a line still being written is left out. */
  List<Version> versions() {
    if (!watch.isAlive() && watch.exitValue() != 0) {
      throw new IllegalStateException("kubectl get lease --watch failed:\n" + text());
    }
    String text = text();
    int complete = text.lastIndexOf('\n');
    List<Version> versions = new ArrayList<>();
    if (complete >= 0) {
      for (String line : text.substring(0, complete).split("\n")) {
        versions.add(Version.parse(line));
      }
    }
    return versions;
  }

  /** The versions {@code holder} wrote while it held the Lease, before anyone else held it. */
  List<Version> heldBy(String holder) {
    List<Version> held = new ArrayList<>();
    for (Version v : versions()) {
      if (!v.holder().equals(holder)) {
        if (!held.isEmpty()) {
          break;
        }
        continue;
      }
      held.add(v);
    }
    return held;
  }

  /** The first version in which {@code holder} holds the Lease. */
  Optional<Version> firstHeldBy(String holder) {
    return versions().stream().filter(v -> v.holder().equals(holder)).findFirst();
  }

  /**
   * How often {@code holder} renewed: the longest gap between its consecutive renewals, that is the
   * elector's retry period plus the API server's latency. Needs two renewals on record.
   */
  Duration renewPeriodOf(String holder) {
    List<Version> held = heldBy(holder);
    Duration longest = Duration.ZERO;
    for (int i = 1; i < held.size(); i++) {
      Duration gap = Duration.between(held.get(i - 1).renewTime(), held.get(i).renewTime());
      longest = gap.compareTo(longest) > 0 ? gap : longest;
    }
    if (longest.isZero()) {
      throw new IllegalStateException("fewer than two renewals by " + holder + " in " + versions());
    }
    return longest;
  }

  String text() {
    try {
      return Files.readString(output);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + output, e);
    }
  }

  /** Stops watching and deletes what it recorded: print {@link #text()} first to keep it. */
  @Override
  public void close() throws InterruptedException, IOException {
    watch.destroy();
    if (!watch.waitFor(10, TimeUnit.SECONDS)) {
      watch.destroyForcibly();
    }
    Files.deleteIfExists(output);
  }
}
