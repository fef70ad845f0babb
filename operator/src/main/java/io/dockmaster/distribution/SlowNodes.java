package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds, once every report of a round is in, the nodes that take in slower than the rest, and
 * withholds from peers what such a node, or a relay or seed found lagging, is receiving: seeds are
 * measured against each other ({@link LaggingRelays}), a chain's nodes against the node before them
 * ({@link ChainGaps}).
 */
final class SlowNodes {

  private final String mirror;
  private final DistributionPlanner planner;
  private final LaggingRelays lagging;
  private final ChainGaps chainGaps;
  private final DistributionMetrics metrics;

  SlowNodes(
      String mirror,
      DistributionPlanner planner,
      LaggingRelays lagging,
      DistributionMetrics metrics) {
    this.mirror = mirror;
    this.planner = planner;
    this.lagging = lagging;
    this.chainGaps = new ChainGaps(mirror);
    this.metrics = metrics;
  }

  /** Marks each node measured slow or not and fills in what it withholds. */
  void judge(
      List<BlobGroup> groups,
      Collection<AgentLease> agents,
      Map<String, NodeHoldings> holdingsByNode,
      Instant now) {
    holdingsByNode.forEach((node, holdings) -> lagging.observeHeld(node, holdings.held, now));
    Set<String> chained = chainedNodes(groups, agents, holdingsByNode);
    Set<String> behind = chainGaps.judge(holdingsByNode, chained, now);
    Set<String> slow = new HashSet<>(lagging.judgeIntakes(behind));
    slow.addAll(behind);
    metrics.slowNodes(mirror, slow.size());
    holdingsByNode.forEach(
        (node, holdings) -> {
          holdings.measuredSlow = slow.contains(node);
          withholdLagging(node, holdings, chained.contains(node), now);
        });
  }

  /** The nodes of the groups the planner plans as chains this round. */
  private Set<String> chainedNodes(
      List<BlobGroup> groups,
      Collection<AgentLease> agents,
      Map<String, NodeHoldings> holdingsByNode) {
    Set<String> chained = new HashSet<>();
    for (BlobGroup group : groups) {
      List<AgentLease> members = group.members(agents, holdingsByNode);
      if (planner.chains(members.size())) {
        members.forEach(agent -> chained.add(agent.node()));
      }
    }
    return chained;
  }

  /**
   * A node measured slow serves nothing it is receiving: its receivers would get each blob at its
   * pace, and the yardsticks of a slow relay (the blob's first completion) and of a slow seed (10 s
   * of its registry stream) may be far off; the node may have taken over the stream of a slow seed
   * just before it was measured. Relays of a chain are not judged against the median: every node of
   * a chain moves at the chain's pace, and the seed, fed first, would make most of them look slow;
   * a node slower than the rest shows in its intake of all its blobs, or in how far it falls behind
   * its source ({@link ChainGaps}).
   */
  private void withholdLagging(String node, NodeHoldings holdings, boolean chain, Instant now) {
    holdings.receiving.forEach(
        (digest, source) -> {
          long received = holdings.received.get(digest);
          boolean judged = source.isUpstream() || !chain;
          if (holdings.measuredSlow
              || judged && lagging.isLagging(node, digest, received, source.isUpstream(), now)) {
            holdings.withheld.add(digest);
          }
        });
  }
}
