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
 * <p>Rates are measured from when a round first saw a node receiving a blob to when one first saw
 * it complete, so they are as coarse as the rounds; blobs that took the fastest node less than
 * {@link #MEASURABLE} are not judged at all.
 */
final class LaggingRelays {

  private static final Logger log = LoggerFactory.getLogger(LaggingRelays.class);

  /** Below this a duration between two rounds says little about a rate. */
  static final Duration MEASURABLE = Duration.ofSeconds(5);

  /** How many times slower than the fastest a relay may be before its receivers move. */
  static final double SLOWER_THAN = 2.0;

  private final String mirror;
  private final DistributionMetrics metrics;
  private final Map<Digest, Map<String, Instant>> receivingSince = new HashMap<>();
  private final Map<Digest, Duration> fastest = new HashMap<>();
  private final Set<String> announced = new HashSet<>();

  LaggingRelays(String mirror, DistributionMetrics metrics) {
    this.mirror = mirror;
    this.metrics = metrics;
  }

  /** Notes what one node's report said of one blob at {@code now}. */
  void observe(String node, Digest digest, BlobState.Phase phase, Instant now) {
    switch (phase) {
      case RECEIVING ->
          receivingSince.computeIfAbsent(digest, d -> new HashMap<>()).putIfAbsent(node, now);
      case COMPLETE -> {
        Instant since = forget(node, digest);
        if (since != null) {
          fastest.merge(
              digest, Duration.between(since, now), (a, b) -> a.compareTo(b) <= 0 ? a : b);
        }
      }
      // A transfer that failed or vanished starts its clock again when it is back.
      case ABSENT, FAILED -> forget(node, digest);
    }
  }

  /**
   * Whether {@code node}, which has {@code received} of the blob's {@code size} bytes, receives it
   * more than {@link #SLOWER_THAN} times slower than the fastest node got it whole.
   */
  boolean isLagging(String node, Digest digest, long received, long size, Instant now) {
    Duration best = fastest.get(digest);
    Instant since = receivingSince.getOrDefault(digest, Map.of()).get(node);
    if (best == null || since == null || best.compareTo(MEASURABLE) < 0) {
      return false;
    }
    Duration elapsed = Duration.between(since, now);
    if (elapsed.compareTo(MEASURABLE) < 0) {
      return false;
    }
    double rate = received / seconds(elapsed);
    double bestRate = size / seconds(best);
    boolean lagging = rate * SLOWER_THAN < bestRate;
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
          "%.2f".formatted(bestRate / 1e6),
          node);
    }
    return lagging;
  }

  private Instant forget(String node, Digest digest) {
    Map<String, Instant> nodes = receivingSince.get(digest);
    return nodes == null ? null : nodes.remove(node);
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }
}
