package io.dockmaster.distribution;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One blob's distribution tree: who holds the blob, which transfers in flight stay, and, once
 * grown, where every other node fetches it from. Nodes are indexed as in the planner's sorted node
 * list; a parent is a node index or one of the negative markers below.
 *
 * <p>Growing works breadth first so chains stay about log N long, and fills one forwarding node's
 * slots before opening the next, so each node forwards in few trees but to several children there.
 * Nodes under their fair share of uploads are preferred as sources, and the least loaded nodes are
 * placed first, which makes them the forwarding nodes of this tree: across trees, forwarding work
 * rotates over the nodes.
 */
final class BlobTree {

  private static final int UPSTREAM = -1;
  private static final int HOLDS = -2;
  private static final int UNPLANNED = -3;
  private static final int NO_CHILD = -1;

  private final Blob blob;
  private final int[] parent;
  private final boolean[] kept;
  private final int[] depth;
  private final int[] children;
  private final int[] firstKeptChild;
  private final int[] nextKeptSibling;
  private final long[] rotation;
  private final long[] have;
  private final boolean[] withheld;
  private final boolean[] replacedSeed;
  private final boolean[] moved;
  private int[] subtreeScratch;
  private int unplanned;
  private int keptPeerEdges;
  private boolean rooted;

  private BlobTree(Blob blob, int nodes, long blobKey, long[] nodeKeys) {
    this.blob = blob;
    this.parent = new int[nodes];
    this.kept = new boolean[nodes];
    this.depth = new int[nodes];
    this.children = new int[nodes];
    this.firstKeptChild = new int[nodes];
    this.nextKeptSibling = new int[nodes];
    this.rotation = new long[nodes];
    this.have = new long[nodes];
    this.withheld = new boolean[nodes];
    this.replacedSeed = new boolean[nodes];
    this.moved = new boolean[nodes];
    Arrays.fill(depth, -1);
    Arrays.fill(firstKeptChild, NO_CHILD);
    Arrays.fill(nextKeptSibling, NO_CHILD);
    for (int i = 0; i < nodes; i++) {
      rotation[i] = mix(blobKey ^ nodeKeys[i]);
    }
  }

  /**
   * Reads who holds {@code blob} and which transfers in flight can stay: those from the registry
   * (the first {@code maxUpstreamStreams} by node name) and those from a peer that is still
   * present. A peer that is present but lacks the blob will be given a transfer, so its receivers
   * may keep streaming from it; only cycles among such transfers are broken. A node withheld from
   * serving the blob (a holder that sent bad bytes, or one receiving it far slower than others did)
   * is no source: its receivers are planned again, under a holder or under nodes the registry
   * stream feeds. One withheld while it fetches the blob from the registry hands that stream to
   * another node, if one not measured slow can take it, and receives the blob from that node,
   * continuing where it is.
   */
  static BlobTree observe(
      Blob blob,
      List<PlanNode> nodes,
      Map<String, Integer> index,
      int maxUpstreamStreams,
      long blobKey,
      long[] nodeKeys) {
    BlobTree tree = new BlobTree(blob, nodes.size(), blobKey, nodeKeys);
    int upstream = 0;
    boolean servingHolder = false;
    boolean fetched = false;
    int seedCandidates = 0;
    for (int i = 0; i < nodes.size(); i++) {
      PlanNode node = nodes.get(i);
      boolean complete = node.complete().contains(blob.digest());
      Source source = node.receiving().get(blob.digest());
      tree.withheld[i] = node.withheld().contains(blob.digest());
      servingHolder |= !tree.withheld[i] && complete;
      fetched |= !complete && source != null && source.isUpstream();
      seedCandidates += !tree.withheld[i] && !complete && !node.measuredSlow() ? 1 : 0;
    }
    if (!servingHolder) {
      // A slow relay is withheld only while its receivers can go elsewhere without the registry
      // sending the blob once more: to a holder, or to nodes fed by a registry stream that goes
      // on (a slow seed's stream is handed over, not started again). A slow seed is withheld while
      // another node can fetch the blob in its place.
      for (int i = 0; i < nodes.size(); i++) {
        PlanNode node = nodes.get(i);
        Source source = node.receiving().get(blob.digest());
        boolean replaceableSeed = source != null && source.isUpstream() && seedCandidates > 0;
        boolean relayOfFetchedBlob = source != null && !source.isUpstream() && fetched;
        tree.withheld[i] &=
            node.complete().contains(blob.digest()) || replaceableSeed || relayOfFetchedBlob;
      }
    }
    for (int i = 0; i < nodes.size(); i++) {
      PlanNode node = nodes.get(i);
      if (node.complete().contains(blob.digest())) {
        tree.parent[i] = HOLDS;
        tree.have[i] = Long.MAX_VALUE;
        continue;
      }
      Source source = node.receiving().get(blob.digest());
      tree.parent[i] = UNPLANNED;
      tree.have[i] = node.received().getOrDefault(blob.digest(), 0L);
      if (source == null) {
        continue;
      }
      if (source.isUpstream()) {
        if (upstream < maxUpstreamStreams && !tree.withheld[i]) {
          upstream++;
          tree.parent[i] = UPSTREAM;
          tree.kept[i] = true;
        }
        tree.replacedSeed[i] = tree.withheld[i];
        continue;
      }
      Integer peer = index.get(source.node());
      if (peer != null && peer != i && !tree.withheld[peer]) {
        tree.parent[i] = peer;
        tree.kept[i] = true;
      }
    }
    tree.breakCycles();
    tree.linkKeptChildren();
    tree.anchorRoots();
    return tree;
  }

  /**
   * Each node has at most one parent, so every cycle is found by walking parents once; the node
   * with the smallest index in a cycle gets planned again, which keeps the others streaming.
   */
  private void breakCycles() {
    byte[] state = new byte[parent.length]; // 0 unseen, 1 on the current walk, 2 done
    int[] walk = new int[parent.length];
    for (int start = 0; start < parent.length; start++) {
      int length = 0;
      int current = start;
      while (current >= 0 && state[current] == 0 && kept[current] && parent[current] >= 0) {
        state[current] = 1;
        walk[length++] = current;
        current = parent[current];
      }
      if (current >= 0 && state[current] == 1) {
        int smallest = current;
        for (int j = length - 1; walk[j] != current; j--) {
          smallest = Math.min(smallest, walk[j]);
        }
        kept[smallest] = false;
        parent[smallest] = UNPLANNED;
      }
      for (int j = 0; j < length; j++) {
        state[walk[j]] = 2;
      }
    }
  }

  private void linkKeptChildren() {
    // Backwards, so each child list comes out in index order (a receiver moved to a holder later
    // goes first in the holder's).
    for (int i = parent.length - 1; i >= 0; i--) {
      if (parent[i] == UNPLANNED) {
        unplanned++;
      } else if (kept[i] && parent[i] >= 0) {
        keptPeerEdges++;
        children[parent[i]]++;
        nextKeptSibling[i] = firstKeptChild[parent[i]];
        firstKeptChild[parent[i]] = i;
      }
    }
  }

  private void anchorRoots() {
    for (int i = 0; i < parent.length; i++) {
      if (parent[i] == HOLDS && !withheld[i]) {
        rooted = true;
        anchor(i, 0, null);
      } else if (parent[i] == UPSTREAM) {
        rooted = true;
        anchor(i, 1, null);
      }
    }
  }

  int nodes() {
    return parent.length;
  }

  /** The peer the node keeps streaming the blob from this round, or -1. */
  int keptPeerSource(int node) {
    return kept[node] && parent[node] >= 0 ? parent[node] : -1;
  }

  /** Receivers the node serves this blob to through kept transfers (new ones once grown). */
  int children(int node) {
    return children[node];
  }

  /** Bytes of the blob the node still lacks, as of its last report. */
  long bytesLeft(int node) {
    return parent[node] == HOLDS ? 0 : blob.size() - have[node];
  }

  /** Whether the node has a place in the tree: a holder, a seed, or below one. */
  boolean placed(int node) {
    return depth[node] >= 0;
  }

  /** Whether the node waits for a source this round. */
  boolean unplanned(int node) {
    return parent[node] == UNPLANNED;
  }

  /** Whether no node may fetch the blob from this one. */
  boolean withheld(int node) {
    return withheld[node];
  }

  /** Whether the node fetched the blob from the registry and hands that over to another. */
  boolean replacedSeed(int node) {
    return replacedSeed[node];
  }

  /** Whether a holder or a registry stream feeds the tree already. */
  boolean rooted() {
    return rooted;
  }

  /** Bytes the node has of the blob, as of its last report; the most there are for a holder. */
  long have(int node) {
    return have[node];
  }

  /** Makes the node this round's seed: it fetches the blob from the registry. */
  void placeSeed(int node) {
    parent[node] = UPSTREAM;
    rooted = true;
    unplanned--;
    anchor(node, 1, null);
  }

  /** Gives the node {@code source}, which has a place already. */
  void place(int node, int source) {
    parent[node] = source;
    children[source]++;
    unplanned--;
    anchor(node, depth[source] + 1, null);
  }

  /** Whether the node holds the blob whole and may serve it. */
  boolean servesWhole(int node) {
    return parent[node] == HOLDS && !withheld[node];
  }

  /**
   * Points a kept peer transfer at {@code holder} instead; it is ordered anew and continues where
   * the receiver is, and the receiver's own receivers stay below it. See {@link SpareHolders}.
   */
  void moveToHolder(int receiver, int holder) {
    int from = keptPeerSource(receiver);
    if (from < 0 || from == holder || !servesWhole(holder)) {
      throw new IllegalStateException("only a kept peer transfer moves, to another holder");
    }
    move(receiver, from, holder);
  }

  /**
   * Points a kept peer transfer of a node that serves no one in this tree at {@code source}, placed
   * already, instead; it is ordered anew. See {@link ChainPlanner}.
   */
  void moveLeaf(int receiver, int source) {
    int from = keptPeerSource(receiver);
    if (from < 0 || from == source || children[receiver] > 0 || !placed(source)) {
      throw new IllegalStateException("only a kept peer transfer of a leaf moves, to another node");
    }
    move(receiver, from, source);
  }

  private void move(int receiver, int from, int to) {
    if (firstKeptChild[from] == receiver) {
      firstKeptChild[from] = nextKeptSibling[receiver];
    } else {
      int sibling = firstKeptChild[from];
      while (nextKeptSibling[sibling] != receiver) {
        sibling = nextKeptSibling[sibling];
      }
      nextKeptSibling[sibling] = nextKeptSibling[receiver];
    }
    children[from]--;
    parent[receiver] = to;
    nextKeptSibling[receiver] = firstKeptChild[to];
    firstKeptChild[to] = receiver;
    children[to]++;
    moved[receiver] = true;
    anchor(receiver, depth[to] + 1, null);
  }

  /** Uploads that kept transfers already ask of their sources, and seeds already running. */
  void chargeKept(UploadShares shares) {
    for (int i = 0; i < parent.length; i++) {
      if (kept[i] && parent[i] >= 0) {
        shares.charge(parent[i], blob.size());
      } else if (parent[i] == UPSTREAM) {
        shares.countSeed(i);
      }
    }
  }

  /** Bytes peers will upload for this blob once grown: everything except one seed's download. */
  long peerBytes() {
    long edges = keptPeerEdges + unplanned - (!rooted && unplanned > 0 ? 1 : 0);
    return edges * blob.size();
  }

  int unplanned() {
    return unplanned;
  }

  Blob blob() {
    return blob;
  }

  /** Gives every node that still needs the blob a source. */
  void grow(UploadShares shares, int baseFanout) {
    if (unplanned == 0) {
      return;
    }
    SourceQueue sources =
        new SourceQueue(blob, shares, baseFanout, depth, children, rotation, have);
    for (int i = 0; i < parent.length; i++) {
      if (depth[i] >= 0 && !withheld[i]) {
        sources.offer(i);
      }
    }
    int[] waiting = new int[unplanned];
    for (int i = 0, w = 0; i < parent.length; i++) {
      if (parent[i] == UNPLANNED) {
        waiting[w++] = i;
      }
    }
    int[] orphaned = orphanedReceivers(waiting);
    PlacementOrder.sort(waiting, orphaned, shares, blob, rotation);
    int seed = -1;
    if (!rooted) {
      seed = chooseSeed(waiting, orphaned, shares);
      parent[seed] = UPSTREAM;
      shares.countSeed(seed);
      anchor(seed, 1, sources);
    }
    for (int node : waiting) {
      if (node == seed) {
        continue;
      }
      // A seed withheld goes under the node taking over its registry stream, one more than its
      // share if need be: nobody is ahead of it, and with the new seed's order in the round's
      // first wave its own comes in the second; until it comes, both fetch the same bytes.
      int source = seed >= 0 && replacedSeed[node] ? seed : sources.take(have[node]);
      parent[node] = source;
      children[source]++;
      shares.charge(source, blob.size());
      anchor(node, depth[source] + 1, sources);
    }
  }

  /** Descendants through kept transfers of each node that has to be planned again, else 0. */
  private int[] orphanedReceivers(int[] waiting) {
    int[] sizes = new int[parent.length];
    int[] stack = new int[parent.length];
    for (int head : waiting) {
      int top = 0;
      int count = 0;
      stack[top++] = head;
      while (top > 0) {
        int node = stack[--top];
        for (int c = firstKeptChild[node]; c != NO_CHILD; c = nextKeptSibling[c]) {
          stack[top++] = c;
          count++;
        }
      }
      sizes[head] = count;
    }
    return sizes;
  }

  /**
   * The node that fetches the blob from the registry: among the nodes in placement order that are
   * not withheld from serving it, the first with the most orphaned receivers (that group keeps
   * streaming) and, among those, the first that seeds fewest blobs, so seeds spread over the nodes.
   * A node the run measured slow would pace the whole tree, so it seeds only if every other is
   * withheld.
   */
  private int chooseSeed(int[] ordered, int[] orphaned, UploadShares shares) {
    int best = chooseSeed(ordered, orphaned, shares, false);
    if (best < 0) {
      best = chooseSeed(ordered, orphaned, shares, true);
    }
    return best < 0 ? ordered[0] : best;
  }

  private int chooseSeed(
      int[] ordered, int[] orphaned, UploadShares shares, boolean measuredSlowToo) {
    int best = -1;
    for (int candidate : ordered) {
      if (withheld[candidate] || (!measuredSlowToo && shares.measuredSlow(candidate))) {
        continue;
      }
      if (best < 0) {
        best = candidate;
      } else if (orphaned[candidate] < orphaned[best]) {
        break;
      } else if (shares.seeds(candidate) < shares.seeds(best)) {
        best = candidate;
      }
    }
    return best;
  }

  /** Sets depths below {@code head} through kept transfers and offers each node as a source. */
  private void anchor(int head, int headDepth, SourceQueue sources) {
    depth[head] = headDepth;
    if (sources != null && !withheld[head]) {
      sources.offer(head);
    }
    if (firstKeptChild[head] == NO_CHILD) {
      return;
    }
    if (subtreeScratch == null) {
      subtreeScratch = new int[parent.length];
    }
    int[] level = subtreeScratch;
    int size = 0;
    level[size++] = head;
    for (int next = 0; next < size; next++) {
      int node = level[next];
      for (int c = firstKeptChild[node]; c != NO_CHILD; c = nextKeptSibling[c]) {
        depth[c] = depth[node] + 1;
        level[size++] = c;
        if (sources != null && !withheld[c]) {
          sources.offer(c);
        }
      }
    }
  }

  /**
   * Adds this tree's transfers in node order: kept ones to {@code keep}, new ones to {@code start}.
   */
  void emit(String[] names, Source[] peers, List<Transfer> start, List<Transfer> keep) {
    for (int i = 0; i < parent.length; i++) {
      if (parent[i] == HOLDS) {
        continue;
      }
      if (parent[i] == UNPLANNED) {
        throw new IllegalStateException("node " + names[i] + " was left without a source");
      }
      Source source = parent[i] == UPSTREAM ? Source.UPSTREAM : peers[parent[i]];
      (kept[i] && !moved[i] ? keep : start).add(new Transfer(names[i], blob, source, depth[i]));
    }
  }

  /** SplitMix64's finalizer: spreads node order differently for every blob. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
