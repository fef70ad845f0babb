package io.dockmaster.distribution;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans every blob along one chain of the nodes, the same chain for all of them: its first node
 * fetches each blob from the registry, every other node from the node before it, and each node
 * takes in its blobs one after another ({@link Plan#sequence()}). Every link then carries one
 * stream at a time, at its full rate, and passes each byte on as it arrives.
 *
 * <p>Why not trees here: where the registry's uplink and the nodes' links are alike, trees of all
 * blobs at once put five or more streams on every link, each tree goes at its slowest stream (its
 * relays keep in step), and TCP shares a link between streams unevenly, so the links run below
 * their rate and the trees end seconds apart; a chain has nothing to share. Its price is depth: the
 * last node is a hop's lag behind per node before it, which is why {@link ChainOrTrees} uses it for
 * small node counts only.
 *
 * <p>Transfers in flight stay as {@link BlobTree#observe} keeps them, waiting ones too. A node that
 * needs a source takes the nearest node before it in the chain that passes the blob on to no one
 * yet (or only to nodes measured slow) and is as far in the blob as it is, so a node that fails is
 * bridged by the one before it; a node measured slow is placed last and serves no one, and one
 * measured slow partway keeps the transfers it has begun while the node after it continues from the
 * node before it. Nodes the request puts last in the chain ({@link ChainHeads}) come after the
 * others, before those measured slow; a seed among them hands its registry stream to the chain's
 * new first node and receives from the node before it.
 *
 * <p>Cost: O(B · N) for B blobs and N nodes in a first plan; a re-plan scans back up to N nodes for
 * each node placed again.
 */
public final class ChainPlanner implements DistributionPlanner {

  @Override
  public Plan plan(PlanRequest request) {
    List<PlanNode> nodes = request.nodesByName();
    List<Blob> sequence = request.blobsLargestFirst();

    int count = nodes.size();
    Map<String, Integer> index = new HashMap<>(count * 2);
    String[] names = new String[count];
    Source[] peers = new Source[count];
    boolean[] slow = new boolean[count];
    boolean[] last = new boolean[count];
    for (int i = 0; i < count; i++) {
      names[i] = nodes.get(i).name();
      peers[i] = Source.peer(names[i]);
      slow[i] = nodes.get(i).measuredSlow();
      last[i] = request.lastInChain().contains(names[i]);
      index.put(names[i], i);
    }
    int[] chain = chainOrder(slow, last);
    // BlobTree shuffles nodes only when it grows a tree; a chain places them itself.
    long[] noShuffle = new long[count];

    List<Transfer> start = new ArrayList<>();
    List<Transfer> keep = new ArrayList<>();
    for (Blob blob : sequence) {
      BlobTree tree =
          BlobTree.observe(blob, nodes, index, request.maxUpstreamStreams(), 0, noShuffle);
      link(tree, chain, slow);
      moveUnbegunToTheEnd(tree, chain, slow);
      tree.emit(names, peers, start, keep);
    }
    return new Plan(start, keep, sequence);
  }

  @Override
  public boolean chains(int nodes) {
    return true;
  }

  /** Nodes by name, then those asked to be last, then those measured slow. */
  private static int[] chainOrder(boolean[] slow, boolean[] last) {
    int[] chain = new int[slow.length];
    int next = 0;
    for (int pass = 0; pass < 3; pass++) {
      for (int i = 0; i < slow.length; i++) {
        int place = slow[i] ? 2 : last[i] ? 1 : 0;
        if (place == pass) {
          chain[next++] = i;
        }
      }
    }
    return chain;
  }

  /** Gives every node of the tree that needs a source one, in chain order. */
  private static void link(BlobTree tree, int[] chain, boolean[] slow) {
    if (tree.unplanned() == 0) {
      return;
    }
    int seed = -1;
    if (!tree.rooted()) {
      seed = chooseSeed(tree, chain, slow);
      tree.placeSeed(seed);
    }
    int[] position = new int[chain.length];
    // Receivers measured slow take little of their source's upload: the node before one is where
    // the node after it is best served from.
    int[] slowReceivers = new int[chain.length];
    for (int p = 0; p < chain.length; p++) {
      position[chain[p]] = p;
      int source = tree.keptPeerSource(chain[p]);
      if (slow[chain[p]] && source >= 0) {
        slowReceivers[source]++;
      }
    }
    for (int node : chain) {
      if (!tree.unplanned(node)) {
        continue;
      }
      int source =
          tree.replacedSeed(node)
              ? replacedSeedSource(tree, chain, position, node, slow, slowReceivers, seed)
              : source(tree, chain, position, node, slow, slowReceivers);
      tree.place(node, source);
      slowReceivers[source] += slow[node] ? 1 : 0;
    }
  }

  /**
   * A node measured slow keeps the transfers it has begun; one it has not begun would come from the
   * node before it, whose upload the node after it now needs, so it comes from the last node of the
   * chain that may serve, whose upload no one uses. Several slow nodes share that node's upload
   * rather than queue behind each other at their own pace.
   */
  private static void moveUnbegunToTheEnd(BlobTree tree, int[] chain, boolean[] slow) {
    int last = -1;
    for (int p = chain.length - 1; p >= 0 && last < 0; p--) {
      int candidate = chain[p];
      last = !slow[candidate] && servable(tree, candidate) ? candidate : -1;
    }
    if (last < 0) {
      return;
    }
    for (int node : chain) {
      int from = tree.keptPeerSource(node);
      if (slow[node]
          && from >= 0
          && from != last
          && tree.have(node) == 0
          && tree.children(node) == 0) {
        tree.moveLeaf(node, last);
      }
    }
  }

  /** The first node in chain order that may serve the blob and is not measured slow, if any. */
  private static int chooseSeed(BlobTree tree, int[] chain, boolean[] slow) {
    int fallback = -1;
    for (int node : chain) {
      if (!tree.unplanned(node) || tree.withheld(node)) {
        continue;
      }
      if (!slow[node]) {
        return node;
      }
      fallback = fallback < 0 ? node : fallback;
    }
    return fallback >= 0 ? fallback : firstUnplanned(tree, chain);
  }

  private static int firstUnplanned(BlobTree tree, int[] chain) {
    for (int node : chain) {
      if (tree.unplanned(node)) {
        return node;
      }
    }
    throw new IllegalStateException("no node to seed " + tree.blob());
  }

  /**
   * A seed that hands its registry stream over is ahead of every node. Placed later in the chain
   * (measured slow, or moved by {@link ChainHeads}), it receives from the nearest node before it
   * that may serve and is not measured slow, and waits for that node to catch up: taking from the
   * node that took its stream over would share that node's upload with the node after it. First in
   * the chain, it goes under the node taking over its stream this round, or, if that happened in an
   * earlier round, to the source {@link #source} finds.
   */
  private static int replacedSeedSource(
      BlobTree tree,
      int[] chain,
      int[] position,
      int node,
      boolean[] slow,
      int[] slowReceivers,
      int seed) {
    for (int p = position[node] - 1; p >= 0; p--) {
      int candidate = chain[p];
      if (servable(tree, candidate) && !slow[candidate]) {
        return candidate;
      }
    }
    return seed >= 0 ? seed : source(tree, chain, position, node, slow, slowReceivers);
  }

  /**
   * The node's source: the nearest node before it in the chain that has a place, may serve, is not
   * measured slow, is as far in the blob, and passes it on to no one but nodes measured slow; else
   * the nearest such that passes it on already; else any node that has a place and may serve, those
   * not measured slow and the furthest in the blob first (for a node first in the chain whose place
   * was taken).
   */
  private static int source(
      BlobTree tree, int[] chain, int[] position, int node, boolean[] slow, int[] slowReceivers) {
    int childless = -1;
    int busy = -1;
    for (int p = position[node] - 1; p >= 0 && childless < 0; p--) {
      int candidate = chain[p];
      if (!servable(tree, candidate) || slow[candidate] || tree.have(candidate) < tree.have(node)) {
        continue;
      }
      if (tree.children(candidate) == slowReceivers[candidate]) {
        childless = candidate;
      } else if (busy < 0) {
        busy = candidate;
      }
    }
    if (childless >= 0) {
      return childless;
    }
    if (busy >= 0) {
      return busy;
    }
    int best = -1;
    for (int candidate : chain) {
      if (candidate != node
          && servable(tree, candidate)
          && (best < 0 || furtherAndFaster(tree, candidate, best, slow))) {
        best = candidate;
      }
    }
    if (best < 0) {
      throw new IllegalStateException("no source left for " + tree.blob());
    }
    return best;
  }

  private static boolean servable(BlobTree tree, int node) {
    return tree.placed(node) && !tree.withheld(node);
  }

  private static boolean furtherAndFaster(BlobTree tree, int candidate, int best, boolean[] slow) {
    if (slow[candidate] != slow[best]) {
      return !slow[candidate];
    }
    return tree.have(candidate) > tree.have(best);
  }
}
