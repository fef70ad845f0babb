package io.dockmaster.distribution;

import io.dockmaster.control.BlobState;
import io.dockmaster.registry.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes receive a blob so much slower than another node got it that the peers relaying from
 * them do better elsewhere. A relay's receivers get the blob no faster than it does; the planner
 * knows only the rates agents announce, so a node whose link, CPU or disk is slower without saying
 * so is placed like any other and its subtree crawls with it. What the run sees tells: a node that
 * has been receiving a blob for a while at less than half the rate at which the fastest node got it
 * whole is withheld as a source of it (see {@link PlanNode#withheld()}; the planner honours that
 * only while a holder can serve instead), and its receivers continue from other nodes where they
 * are. Its own transfer goes on.
 *
 * <p>Rates are the bytes received between the round that first saw a node receiving a blob and the
 * round that saw it complete (or now), so a transfer that was partway when first seen (after an
 * operator restart, or continuing from another source) is measured from there, as coarsely as the
 * rounds come; a completion seen over less than {@link #MEASURABLE} is no yardstick, and a node is
 * judged only once it was seen receiving for that long.
 */
final class LaggingRelays {

  private static final Logger log = LoggerFactory.getLogger(LaggingRelays.class);

  /** Below this a duration between two rounds says little about a rate. */
  static final Duration MEASURABLE = Duration.ofSeconds(5);

  /** How many times slower than the fastest a relay may be before its receivers move. */
  static final double SLOWER_THAN = 2.0;

  /** When a round first saw a node receiving a blob, and how much it had then. */
  private record Sighting(Instant at, long received) {}

  private final String mirror;
  private final DistributionMetrics metrics;
  private final Map<Digest, Map<String, Sighting>> firstSeen = new HashMap<>();
  private final Map<Digest, Double> fastestBytesPerSecond = new HashMap<>();
  private final Set<String> announced = new HashSet<>();

  LaggingRelays(String mirror, DistributionMetrics metrics) {
    this.mirror = mirror;
    this.metrics = metrics;
  }

  /** Notes what one node's report said of one blob, {@code received} of {@code size} bytes. */
  void observe(
      String node, Digest digest, BlobState.Phase phase, long received, long size, Instant now) {
    switch (phase) {
      case RECEIVING ->
          firstSeen
              .computeIfAbsent(digest, d -> new HashMap<>())
              .putIfAbsent(node, new Sighting(now, received));
      case COMPLETE -> {
        Sighting first = forget(node, digest);
        if (first != null && !Duration.between(first.at(), now).minus(MEASURABLE).isNegative()) {
          double rate = (size - first.received()) / seconds(Duration.between(first.at(), now));
          fastestBytesPerSecond.merge(digest, rate, Math::max);
        }
      }
      // A transfer that failed or vanished starts its clock again when it is back.
      case ABSENT, FAILED -> forget(node, digest);
    }
  }

  /**
   * Whether {@code node}, which has {@code received} bytes of the blob, receives it more than
   * {@link #SLOWER_THAN} times slower than the fastest node got it whole.
   */
  boolean isLagging(String node, Digest digest, long received, Instant now) {
    Double best = fastestBytesPerSecond.get(digest);
    Sighting first = firstSeen.getOrDefault(digest, Map.of()).get(node);
    if (best == null || first == null) {
      return false;
    }
    Duration elapsed = Duration.between(first.at(), now);
    if (elapsed.compareTo(MEASURABLE) < 0) {
      return false;
    }
    double rate = (received - first.received()) / seconds(elapsed);
    boolean lagging = rate * SLOWER_THAN < best;
    if (lagging && announced.add(node + "\u0000" + digest)) {
      metrics.slowRelay();
      log.info(
          "mirror {}: node {} receives {} at {} MB/s, under 1/{} of the {} MB/s the fastest node got"
              + " it at: peers relaying it from {} continue from other nodes",
          mirror,
          node,
          digest.shortForm(),
          "%.2f".formatted(rate / 1e6),
          (int) SLOWER_THAN,
          "%.2f".formatted(best / 1e6),
          node);
    }
    return lagging;
  }

  private Sighting forget(String node, Digest digest) {
    Map<String, Sighting> nodes = firstSeen.get(digest);
    return nodes == null ? null : nodes.remove(node);
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }
}
