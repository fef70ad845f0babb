package io.dockmaster.distribution;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;

/**
 * Moves receivers partway through a blob from busy sources to nodes with upload to spare that are
 * ahead of them. A tree moves no faster than its busiest relay's upload divided among that relay's
 * children, and with every node's download shared by all trees there is little slack: a tree that
 * falls behind stays behind, and once the first trees are done, their nodes' uploads and the
 * registry's uplink sit partly idle while the last trees go on at the old pace. Their receivers
 * move to the nodes the finished trees freed, which lets those trees take the freed download and
 * registry shares; and at a tree's own end, to its holders.
 *
 * <p>A source's load is the receivers it serves in all trees, divided by its upload capacity
 * relative to the mean. A receiver moves from the most loaded source to the least loaded node that
 * may take it over ({@link BlobTree#mayTakeOver}: it holds the blob, or it is {@link
 * #MIN_BYTES_AHEAD} further along and no deeper than the receiver's source), only while that node's
 * load with it stays below the source's without it: moves only even loads out, so they end, and in
 * a plan whose loads are even nothing moves. Receivers with little left stay ({@link
 * #MIN_BYTES_LEFT}: a new stream costs a connection and what was in flight on the old one), as do
 * nodes the run measured slow, which no source would serve faster; nodes measured slow take no one.
 */
final class SpareUploads {

  /** Below this a receiver finishes where it is sooner than a new stream would pay off. */
  static final long MIN_BYTES_LEFT = 4L * 1024 * 1024;

  /**
   * How far ahead of a receiver a node still receiving the blob must be, by the last reports, to
   * take it over: reports are up to a round old, and a source behind its receiver sends nothing.
   */
  static final long MIN_BYTES_AHEAD = 4L * 1024 * 1024;

  /** Candidates looked at per move, so a round at thousands of nodes stays cheap. */
  private static final int MAX_CANDIDATES = 64;

  private SpareUploads() {}

  /** Moves receivers in every tree; call after observing all trees and before charging them. */
  static void relieve(List<BlobTree> trees, UploadShares shares) {
    if (trees.isEmpty()) {
      return;
    }
    int[] serving = new int[trees.get(0).nodes()];
    for (BlobTree tree : trees) {
      for (int node = 0; node < serving.length; node++) {
        serving[node] += tree.children(node);
      }
    }
    for (BlobTree tree : trees) {
      relieve(tree, serving, shares);
    }
  }

  private static void relieve(BlobTree tree, int[] serving, UploadShares shares) {
    Map<Integer, ArrayDeque<Integer>> movable = movableBySource(tree, shares);
    if (movable.isEmpty()) {
      return;
    }
    double busiest = 0;
    for (int source : movable.keySet()) {
      busiest = Math.max(busiest, load(serving, shares, source, 0));
    }
    // The least loaded with one more receiver first: a faster node may be busier now. Nodes that
    // could not relieve even the busiest source are left out; in an even plan that is all.
    TreeSet<Integer> takers =
        new TreeSet<>(
            Comparator.comparingDouble((Integer node) -> load(serving, shares, node, 1))
                .thenComparing(node -> node));
    for (int node = 0; node < serving.length; node++) {
      if (!shares.measuredSlow(node) && load(serving, shares, node, 1) < busiest) {
        takers.add(node);
      }
    }
    PriorityQueue<Integer> sources =
        new PriorityQueue<>(
            Comparator.comparingDouble((Integer node) -> load(serving, shares, node, 0))
                .reversed()
                .thenComparing(node -> node));
    sources.addAll(movable.keySet());
    while (!sources.isEmpty()) {
      int source = sources.poll();
      ArrayDeque<Integer> receivers = movable.get(source);
      // The receiver furthest behind: the most nodes are ahead of it.
      int receiver = receivers.peek();
      int taker = takerFor(tree, receiver, source, takers, serving, shares);
      if (taker < 0) {
        // Its other receivers are further along, so no node can take them either.
        continue;
      }
      receivers.poll();
      // A node may be both: out of both queues while its load changes. A source relieved may
      // take receivers from a busier one.
      boolean takerServes = sources.remove(taker);
      takers.remove(source);
      takers.remove(taker);
      tree.moveTo(receiver, taker);
      serving[source]--;
      serving[taker]++;
      takers.add(taker);
      if (!shares.measuredSlow(source)) {
        takers.add(source);
      }
      if (takerServes) {
        sources.add(taker);
      }
      if (!receivers.isEmpty()) {
        sources.add(source);
      }
    }
  }

  /** The least loaded node that may take the receiver over and would then be less loaded, or -1. */
  private static int takerFor(
      BlobTree tree,
      int receiver,
      int source,
      TreeSet<Integer> takers,
      int[] serving,
      UploadShares shares) {
    double sourceLoad = load(serving, shares, source, 0);
    Iterator<Integer> candidates = takers.iterator();
    for (int looked = 0; looked < MAX_CANDIDATES && candidates.hasNext(); looked++) {
      int candidate = candidates.next();
      if (load(serving, shares, candidate, 1) >= sourceLoad) {
        return -1;
      }
      if (tree.mayTakeOver(candidate, receiver, MIN_BYTES_AHEAD)) {
        return candidate;
      }
    }
    return -1;
  }

  /** Per source, its receivers that may move, those with most left first. */
  private static Map<Integer, ArrayDeque<Integer>> movableBySource(
      BlobTree tree, UploadShares shares) {
    List<Integer> receivers = new ArrayList<>();
    for (int node = 0; node < tree.nodes(); node++) {
      if (tree.keptPeerSource(node) >= 0
          && tree.bytesLeft(node) >= MIN_BYTES_LEFT
          && !shares.measuredSlow(node)) {
        receivers.add(node);
      }
    }
    receivers.sort(
        Comparator.comparingLong((Integer node) -> tree.bytesLeft(node))
            .reversed()
            .thenComparing(node -> node));
    Map<Integer, ArrayDeque<Integer>> bySource = new HashMap<>();
    for (int receiver : receivers) {
      bySource
          .computeIfAbsent(tree.keptPeerSource(receiver), source -> new ArrayDeque<>())
          .add(receiver);
    }
    return bySource;
  }

  private static double load(int[] serving, UploadShares shares, int node, int more) {
    return (serving[node] + more) / shares.upload(node);
  }
}
