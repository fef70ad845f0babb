package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one planning round looks at.
 *
 * @param blobs what every node in {@code nodes} should end up holding; a digest listed twice with
 *     the same size counts once
 * @param nodes the nodes present now; a node missing from the list is gone, and transfers it was
 *     serving are planned again
 * @param maxUpstreamStreams how many nodes may fetch the same blob from the upstream registry at
 *     once; the planner starts a second one only to replace a failed one, so this is a cap, not a
 *     target
 * @param lastInChain nodes a chain places after every other node not measured slow (see {@link
 *     ChainHeads}); trees ignore it
 */
public record PlanRequest(
    List<Blob> blobs, List<PlanNode> nodes, int maxUpstreamStreams, Set<String> lastInChain) {

  public PlanRequest(List<Blob> blobs, List<PlanNode> nodes, int maxUpstreamStreams) {
    this(blobs, nodes, maxUpstreamStreams, Set.of());
  }

  public PlanRequest {
    blobs = distinct(blobs);
    nodes = List.copyOf(nodes);
    lastInChain = Set.copyOf(lastInChain);
    if (maxUpstreamStreams < 1) {
      throw new IllegalArgumentException(
          "maxUpstreamStreams must be at least 1 (got "
              + maxUpstreamStreams
              + "): some node has to fetch each blob from the registry first");
    }
    Set<String> names = new HashSet<>();
    for (PlanNode node : nodes) {
      if (!names.add(node.name())) {
        throw new IllegalArgumentException(
            "nodes: name \"" + node.name() + "\" is listed twice; node names must be unique");
      }
    }
  }

  /** The nodes in name order, the order planners index them in. */
  List<PlanNode> nodesByName() {
    List<PlanNode> sorted = new ArrayList<>(nodes);
    sorted.sort(Comparator.comparing(PlanNode::name));
    return sorted;
  }

  /**
   * The blobs largest first, ties by digest: trees place big forwarding roles while loads are still
   * even, and a chain takes the big ones first.
   */
  List<Blob> blobsLargestFirst() {
    List<Blob> sorted = new ArrayList<>(blobs);
    sorted.sort(
        Comparator.comparingLong(Blob::size)
            .reversed()
            .thenComparing(blob -> blob.digest().toString()));
    return sorted;
  }

  /**
   * Images may list the same layer twice (repeated empty layers): one copy per digest is kept. The
   * same digest with two sizes cannot be, so it is refused.
   */
  private static List<Blob> distinct(List<Blob> blobs) {
    Map<Digest, Blob> byDigest = new LinkedHashMap<>();
    for (Blob blob : blobs) {
      Blob earlier = byDigest.putIfAbsent(blob.digest(), blob);
      if (earlier != null && earlier.size() != blob.size()) {
        throw new IllegalArgumentException(
            "blobs: "
                + blob.digest()
                + " is listed with sizes "
                + earlier.size()
                + " and "
                + blob.size()
                + "; one digest has one size");
      }
    }
    return List.copyOf(byDigest.values());
  }
}
