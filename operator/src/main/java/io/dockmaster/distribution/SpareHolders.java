package io.dockmaster.distribution;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Moves receivers partway through a blob from busy sources to holders of the blob whose upload has
 * room. A tree's receivers stream from the node placed above them until they are done, so as its
 * seed and first nodes complete, their uploads fall idle while the nodes further down still get the
 * blob at a relay's upload divided among its children: the last of the blob reaches the last nodes
 * seconds after the registry sent it. A holder serves from disk, ahead of everyone, so a receiver
 * loses nothing by continuing from one where it is.
 *
 * <p>A source's load is the receivers it serves in all trees, divided by its upload capacity
 * relative to the mean; a receiver moves from the most loaded source to the least loaded holder
 * only while that holder's load with it stays below the source's without it, so moves only ever
 * even loads out and end. Receivers with little left stay ({@link #MIN_BYTES_LEFT}: a new stream
 * costs a connection and what was in flight on the old one), as do nodes the run measured slow,
 * which no source would serve faster; holders measured slow or withheld take no one.
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
    Comparator<Integer> byLoad =
        Comparator.comparingDouble((Integer node) -> load(serving, shares, node, 0))
            .thenComparing(node -> node);
    // The holder whose load with one more receiver is least: a faster one may be busier now.
    PriorityQueue<Integer> holders =
        new PriorityQueue<>(
            Comparator.comparingDouble((Integer node) -> load(serving, shares, node, 1))
                .thenComparing(node -> node));
    for (int node = 0; node < serving.length; node++) {
      if (tree.servesWhole(node) && !shares.measuredSlow(node)) {
        holders.add(node);
      }
    }
    if (holders.isEmpty()) {
      return;
    }
    Map<Integer, ArrayDeque<Integer>> movable = movableBySource(tree, shares);
    PriorityQueue<Integer> sources = new PriorityQueue<>(byLoad.reversed());
    sources.addAll(movable.keySet());
    while (!sources.isEmpty()) {
      int source = sources.peek();
      int holder = holders.peek();
      if (holder == source
          || load(serving, shares, holder, 1) >= load(serving, shares, source, 0)) {
        // The most loaded source cannot shed a receiver; a less loaded one cannot either.
        break;
      }
      // A holder may be a source too: out of both queues while its load changes.
      boolean sourceHolds = holders.remove(source);
      boolean holderServes = sources.remove(holder);
      sources.remove(source);
      holders.remove(holder);
      ArrayDeque<Integer> receivers = movable.get(source);
      tree.moveToHolder(receivers.poll(), holder);
      serving[source]--;
      serving[holder]++;
      holders.add(holder);
      if (sourceHolds) {
        holders.add(source);
      }
      if (holderServes) {
        sources.add(holder);
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
