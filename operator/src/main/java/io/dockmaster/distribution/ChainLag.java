package io.dockmaster.distribution;

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
 * Finds the node that holds a chain back. In a chain every node moves at the pace of the slowest
 * before it, so comparing a node with the median tells nothing: behind a slow node every node is as
 * slow, and a slow node early in the chain is slower than no median. What gives it away is its own
 * source: the node before it keeps pace with it only until its write lets go of it, and then runs
 * ahead. A node that takes in a blob at under half the rate its source took in the same blob over
 * the same time is held behind for the rest of the run: it relays nothing and goes last.
 */
final class ChainLag {

  private static final Logger log = LoggerFactory.getLogger(ChainLag.class);

  /** How long a node is watched with one source before it is judged. */
  static final Duration MEASURABLE = Duration.ofSeconds(5);

  static final double SLOWER_THAN = 2.0;

  /**
   * How far behind its source a node must be as well: a source keeps pace with its receiver, within
   * the relay window (4 MiB by default), until it lets go of it, so a gap of a few windows says the
   * source did let go, where a rate alone may be a JVM warming up.
   */
  static final long BEHIND_BY_BYTES = 16L << 20;

  /**
   * When a round first saw the node take the blob from {@code source}: both nodes' bytes then, and
   * how long the node's transfer had held its source back for the node's own relays.
   */
  private record Sighting(
      Source source, Instant at, long received, long sourceReceived, long heldMillis) {}

  private final String mirror;
  private final Map<Digest, Map<String, Sighting>> sightings = new HashMap<>();
  private final Set<String> behind = new HashSet<>();

  ChainLag(String mirror) {
    this.mirror = mirror;
  }

  /** Whether the run found the node holding its chain back. */
  boolean isBehind(String node) {
    return behind.contains(node);
  }

  /** Notes and judges the nodes of one round's chains that receive a blob from a peer. */
  void observe(Map<String, NodeHoldings> holdingsByNode, Set<String> chained, Instant now) {
    sightings.forEach(
        (digest, byNode) ->
            byNode.keySet().removeIf(node -> !receivesFromPeer(holdingsByNode.get(node), digest)));
    for (String node : chained) {
      NodeHoldings holdings = holdingsByNode.get(node);
      if (holdings == null) {
        continue;
      }
      holdings.receiving.forEach(
          (digest, source) -> {
            NodeHoldings from = source.isUpstream() ? null : holdingsByNode.get(source.node());
            if (from == null || holdings.waiting.contains(digest)) {
              done(node, digest);
              return;
            }
            boolean whole = from.complete.contains(digest);
            observe(
                node,
                digest,
                source,
                holdings.received.get(digest),
                whole ? holdings.sizes.get(digest) : from.received.getOrDefault(digest, 0L),
                whole,
                holdings.heldMillis.getOrDefault(digest, 0L),
                now);
          });
    }
  }

  private static boolean receivesFromPeer(NodeHoldings holdings, Digest digest) {
    if (holdings == null || holdings.waiting.contains(digest)) {
      return false;
    }
    Source source = holdings.receiving.get(digest);
    return source != null && !source.isUpstream();
  }

  /**
   * Notes one round's view of a node receiving {@code digest} from a peer, and judges it over the
   * time its transfer did not hold its source back for its own relays (a node held back by a slow
   * receiver below it is not the one holding the chain back).
   *
   * @param sourceReceived bytes the source has of the blob now, its size once it holds it whole
   * @param sourceWhole whether the source holds the blob whole: a holder is paced by no one, so
   *     there is no rate of its own to compare with
   * @param heldMillis how long in all the node's transfer has held its source back
   */
  void observe(
      String node,
      Digest digest,
      Source source,
      long received,
      long sourceReceived,
      boolean sourceWhole,
      long heldMillis,
      Instant now) {
    Map<String, Sighting> byNode = sightings.computeIfAbsent(digest, d -> new HashMap<>());
    Sighting first = byNode.get(node);
    if (first == null
        || !first.source().equals(source)
        || received < first.received()
        || !sourceWhole && first.sourceReceived() >= 0 && sourceReceived < first.sourceReceived()) {
      // New, moved, or started again: judged from here.
      byNode.put(
          node, new Sighting(source, now, received, sourceWhole ? -1 : sourceReceived, heldMillis));
      return;
    }
    Duration elapsed = Duration.between(first.at(), now);
    Duration free = elapsed.minusMillis(Math.max(0, heldMillis - first.heldMillis()));
    if (first.sourceReceived() < 0 || free.compareTo(MEASURABLE) < 0 || behind.contains(node)) {
      return;
    }
    double own = (received - first.received()) / (free.toMillis() / 1000.0);
    double sources = (sourceReceived - first.sourceReceived()) / (elapsed.toMillis() / 1000.0);
    if (own * SLOWER_THAN < sources && sourceReceived - received > BEHIND_BY_BYTES) {
      behind.add(node);
      log.info(
          "mirror {}: node {} takes in {} at {} MB/s while its source {} took it in at {} MB/s:"
              + " it holds the chain back, so it relays nothing for the rest of the run",
          mirror,
          node,
          digest.shortForm(),
          "%.2f".formatted(own / 1e6),
          source.node(),
          "%.2f".formatted(sources / 1e6));
    }
  }

  /** Forgets the node's sighting of a blob it no longer receives. */
  void done(String node, Digest digest) {
    Map<String, Sighting> byNode = sightings.get(digest);
    if (byNode != null) {
      byNode.remove(node);
    }
  }
}
