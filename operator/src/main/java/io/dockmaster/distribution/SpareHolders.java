package io.dockmaster.distribution;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;

/**
 * Moves receivers partway through a blob from busy sources to holders of the blob with upload to
 * spare. A tree's receivers stream from the node placed above them until they are done, so as its
 * seed and first nodes complete, their uploads fall idle while the nodes further down still get the
 * blob at a relay's upload divided among its children, in step; and the last tree of a run goes on
 * at that pace alone, with the registry's uplink and most downloads idle. A holder serves from
 * disk, ahead of everyone, so a receiver loses nothing by continuing from one where it is.
 *
 * <p>A source's load is the receivers it serves in all trees of the plan (the blobs of one group of
 * platforms), divided by its upload capacity relative to the mean. A receiver moves from the most
 * loaded source to the holder least loaded with it, only while that holder's load with it stays
 * below the source's before the move: moves only even loads out, so they end, and in a plan whose
 * loads are even nothing moves. A tree with nodes still to place moves no one: its holders' room is
 * theirs first, and they would otherwise go deeper, under relays. Receivers with little left stay
 * ({@link #MIN_BYTES_LEFT}: a new stream costs a connection and what was in flight on the old one),
 * as do nodes the run measured slow, which no source would serve faster; holders withheld or
 * measured slow take no one. Only holders take receivers: early in a run, when transfers start
 * unevenly, loads are uneven too, and moving receivers to nodes merely ahead of them (a build
 * measured on the lab) reshuffled trees in their first seconds.
 */
final class SpareHolders {

  /** Below this a receiver finishes where it is sooner than a new stream would pay off. */
  static final long MIN_BYTES_LEFT = 4L * 1024 * 1024;

  private SpareHolders() {}

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
    if (tree.unplanned() > 0) {
      return;
    }
    Map<Integer, ArrayDeque<Integer>> movable = movableBySource(tree, shares);
    if (movable.isEmpty()) {
      return;
    }
    double busiest = 0;
    for (int source : movable.keySet()) {
      busiest = Math.max(busiest, load(serving, shares, source, 0));
    }
    // The least loaded with one more receiver first: a faster node may be busier now. Holders that
    // could not relieve even the busiest source are left out; in an even plan that is all.
    TreeSet<Integer> takers =
        new TreeSet<>(
            Comparator.comparingDouble((Integer node) -> load(serving, shares, node, 1))
                .thenComparing(node -> node));
    for (int node = 0; node < serving.length; node++) {
      if (tree.servesWhole(node)
          && !shares.measuredSlow(node)
          && load(serving, shares, node, 1) < busiest) {
        takers.add(node);
      }
    }
    PriorityQueue<Integer> sources =
        new PriorityQueue<>(
            Comparator.comparingDouble((Integer node) -> load(serving, shares, node, 0))
                .reversed()
                .thenComparing(node -> node));
    sources.addAll(movable.keySet());
    while (!sources.isEmpty() && !takers.isEmpty()) {
      int source = sources.poll();
      Integer taker = takers.first() != source ? takers.first() : takers.higher(source);
      if (taker == null || load(serving, shares, taker, 1) >= load(serving, shares, source, 0)) {
        // The busiest source cannot shed a receiver, so none can.
        break;
      }
      ArrayDeque<Integer> receivers = movable.get(source);
      // A holder may serve receivers that move too: out of both queues while its load changes.
      boolean takerServes = sources.remove(taker);
      boolean sourceHolds = takers.remove(source);
      takers.remove(taker);
      tree.moveToHolder(receivers.poll(), taker);
      serving[source]--;
      serving[taker]++;
      takers.add(taker);
      if (sourceHolds) {
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
