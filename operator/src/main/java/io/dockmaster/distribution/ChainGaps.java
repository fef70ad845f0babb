package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes of a chain fall behind the node they receive from. In a chain every node reads its
 * source no faster than the node after it takes the bytes, so a node on a slow link in the middle
 * paces every node behind it, and their intakes all look alike: the median node's is the slow one's
 * once half the chain is behind it, and judging a node's rate against its source's over a few
 * seconds found nodes that were not slow (in the lab, 5–12 per run). What does tell is the gap: the
 * bytes of the blobs both want that the source holds and the node lacks. A source keeps pace with
 * the node it serves for a few seconds (the agents' relay pacing) and then lets it go, so a node
 * that keeps up stays a few MiB behind, and one that cannot falls further behind by the difference
 * of their rates, across the blobs of the chain's sequence, as its source goes on to the next. A
 * node whose gap grew by {@link #FELL_BEHIND} while it received from the same source is slow for
 * the rest of the run: the chain puts it last, where it holds back no one.
 *
 * <p>Reports arrive when something changes on a node, or every few seconds, so the last report of a
 * node may be seconds old and a gap from it off by that many seconds of its rate. A gap is
 * therefore read only in a round where both nodes' reports are new (or from agents asked every
 * round), so both are at most a round old, and the growth is measured between two such readings at
 * least {@link #MEASURABLE} apart. The window starts again after {@link #WINDOW}, so a node a
 * little slower than its source over a long run does not add up to a finding.
 */
final class ChainGaps {

  private static final Logger log = LoggerFactory.getLogger(ChainGaps.class);

  /**
   * How much further behind its source a node must fall within one window to be slow: well above
   * the agents' relay window (4 MiB) and what two readings up to a round old can be off by at the
   * lab's 12.5 MB/s.
   */
  static final long FELL_BEHIND = 48L << 20;

  /** The shortest time over which a gap's growth is judged. */
  static final Duration MEASURABLE = LaggingRelays.MEASURABLE;

  /** After this long the gap is measured from a new reading. */
  static final Duration WINDOW = Duration.ofSeconds(20);

  /** A node's source and where the two stood when their gap was first read. */
  private record Reading(String source, Instant at, long gap, long held, long sourceHeld) {}

  private final String mirror;
  private final Map<String, Reading> readings = new HashMap<>();
  private final Map<String, Long> versions = new HashMap<>();
  private final Set<String> behind = new HashSet<>();

  ChainGaps(String mirror) {
    this.mirror = mirror;
  }

  /**
   * Judges the chained nodes' gaps this round; returns every node of the run found behind so far.
   */
  Set<String> judge(Map<String, NodeHoldings> holdings, Set<String> chained, Instant now) {
    Set<String> fresh = new HashSet<>();
    holdings.forEach(
        (node, held) -> {
          Long before = versions.put(node, held.version);
          // An agent that cannot hold inventories reports no version: it is asked every round.
          if (held.version == 0 || before == null || before != held.version) {
            fresh.add(node);
          }
        });
    for (String node : chained) {
      NodeHoldings own = holdings.get(node);
      if (own == null || behind.contains(node)) {
        continue;
      }
      Optional<String> source = activeSource(own);
      if (source.isEmpty()) {
        // Between two blobs, or fetching from the registry: a reading of its source still holds.
        continue;
      }
      NodeHoldings theirs = holdings.get(source.get());
      if (theirs == null) {
        readings.remove(node);
        continue;
      }
      if (!fresh.contains(node) || !fresh.contains(source.get())) {
        continue;
      }
      judge(node, source.get(), own, theirs, now);
    }
    return Set.copyOf(behind);
  }

  private void judge(
      String node, String source, NodeHoldings own, NodeHoldings theirs, Instant now) {
    long held = 0;
    long sourceHeld = 0;
    for (Map.Entry<Digest, Long> blob : own.heldBytes.entrySet()) {
      Long ahead = theirs.heldBytes.get(blob.getKey());
      if (ahead != null) {
        held += blob.getValue();
        sourceHeld += ahead;
      }
    }
    long gap = sourceHeld - held;
    Reading first = readings.get(node);
    if (first == null
        || !first.source().equals(source)
        || Duration.between(first.at(), now).compareTo(WINDOW) > 0) {
      readings.put(node, new Reading(source, now, gap, held, sourceHeld));
      return;
    }
    Duration elapsed = Duration.between(first.at(), now);
    if (elapsed.compareTo(MEASURABLE) < 0 || gap - first.gap() < FELL_BEHIND) {
      return;
    }
    behind.add(node);
    readings.remove(node);
    double seconds = elapsed.toMillis() / 1000.0;
    log.info(
        "mirror {}: node {} fell {} MiB further behind {}, which it receives from, in {} s (it took"
            + " in {} MB/s, {} {} MB/s): it goes to the end of the chain, and the node after it"
            + " continues from one before it",
        mirror,
        node,
        (gap - first.gap()) >> 20,
        source,
        "%.1f".formatted(seconds),
        "%.2f".formatted((held - first.held()) / seconds / 1e6),
        source,
        "%.2f".formatted((sourceHeld - first.sourceHeld()) / seconds / 1e6));
  }

  /**
   * The peer the node takes bytes from now: the source of its transfer furthest along, if that has
   * begun; none while it fetches from the registry or waits between blobs.
   */
  private static Optional<String> activeSource(NodeHoldings node) {
    Source furthest = null;
    long most = 0;
    for (Map.Entry<Digest, Source> transfer : node.receiving.entrySet()) {
      long received = node.received.getOrDefault(transfer.getKey(), 0L);
      if (received > most) {
        most = received;
        furthest = transfer.getValue();
      }
    }
    return furthest == null || furthest.isUpstream()
        ? Optional.empty()
        : Optional.of(furthest.node());
  }
}
