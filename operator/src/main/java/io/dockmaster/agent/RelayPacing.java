package io.dockmaster.agent;

import io.dockmaster.cache.BlobWrite;
import io.dockmaster.cache.RelayLimits;
import io.dockmaster.cache.RelayRelease;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a transfer's write to the pace of the peers relaying the blob onward (see {@link
 * BlobWrite#awaitRelays}), and says whom it stopped waiting for: a peer let go for being slow is
 * what someone looking for a slow node wants to find.
 */
final class RelayPacing {

  private static final Logger log = LoggerFactory.getLogger(RelayPacing.class);

  /** How long a write waits for a peer relaying the blob that does not move at all. */
  private static final Duration MAX_STILL_PATIENCE = Duration.ofSeconds(2);

  /**
   * How long one relaying peer may hold a write back, in all, without catching up. Pacing evens out
   * flows that get unequal shares of the links for a while; a peer slower than that for seconds on
   * end is slow itself, and waiting longer would only hold every node of its trees to its pace.
   */
  static final Duration SLOW_PATIENCE = Duration.ofSeconds(5);

  private final Optional<RelayLimits> limits;
  private final AgentMetrics metrics;

  /**
   * @param windowBytes how far a write may run ahead of its relaying peers; 0 turns pacing off
   * @param stallTimeout the transfers' stall timeout: a write waits for a still peer well inside
   *     it, so neither this transfer's watchdog nor those of the peers below take the wait for a
   *     stalled source
   */
  RelayPacing(long windowBytes, Duration stallTimeout, AgentMetrics metrics) {
    Duration quarter = stallTimeout.dividedBy(4);
    Duration still = quarter.compareTo(MAX_STILL_PATIENCE) < 0 ? quarter : MAX_STILL_PATIENCE;
    this.limits =
        windowBytes > 0
            ? Optional.of(new RelayLimits(windowBytes, still, SLOW_PATIENCE))
            : Optional.empty();
    this.metrics = metrics;
  }

  /** Blocks while a peer relaying the blob is too far behind {@code write}. */
  void await(BlobWrite write, String source) throws IOException {
    if (limits.isEmpty()) {
      return;
    }
    for (RelayRelease release : write.awaitRelays(limits.get())) {
      metrics.relayReleased(release.still());
      Digest digest = write.digest();
      double behindMiB = release.behindBytes() / (1024.0 * 1024);
      if (release.still()) {
        log.info(
            "{} from {}: no longer waiting for {}, which read nothing for a while {} MiB behind"
                + " (stuck, gone, or slow in bursts); it is served at its own pace",
            digest.shortForm(),
            source,
            release.reader(),
            "%.1f".formatted(behindMiB));
      } else {
        log.info(
            "{} from {}: no longer keeping pace with {}, which held this transfer back for {} s"
                + " and is {} MiB behind (a slower link or a busy node); it is served at its own"
                + " pace",
            digest.shortForm(),
            source,
            release.reader(),
            "%.1f".formatted(release.heldFor().toMillis() / 1000.0),
            "%.1f".formatted(behindMiB));
      }
    }
  }
}
