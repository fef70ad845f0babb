package io.dockmaster.distribution;

import java.util.Arrays;

/**
 * The order in which one blob's tree takes in the nodes that need the blob: nodes carrying orphaned
 * receivers first (largest group first), then nodes the run measured slow last, then those least
 * loaded after forwarding the blob (which puts slow uploaders late), then faster upload and
 * download, then a per-blob shuffle. Early nodes land near the top and forward; late ones are
 * leaves.
 *
 * <p>The planner orders every node once per blob, so each key is turned into exact dense ranks and
 * packed with the shuffle and the node index into one long: a primitive sort then does what a
 * comparator sort did at several times the cost.
 */
final class PlacementOrder {

  private PlacementOrder() {}

  /** Sorts {@code nodes} in place. */
  static void sort(int[] nodes, int[] orphaned, UploadShares shares, Blob blob, long[] shuffle) {
    int count = nodes.length;
    double[] loads = new double[count];
    for (int i = 0; i < count; i++) {
      loads[i] = shares.loadAfterForwarding(nodes[i], blob);
    }
    int[] loadRank = denseRanks(loads);
    long[] keys = new long[count];
    boolean anyOrphaned = false;
    for (int i = 0; i < count; i++) {
      long measuredSlow = shares.measuredSlow(nodes[i]) ? 1L << 62 : 0;
      keys[i] = measuredSlow | ((long) loadRank[i] << 32) | shares.speedRank(nodes[i]);
      anyOrphaned |= orphaned[nodes[i]] > 0;
    }
    int[] rank = denseRanks(keys);
    if (anyOrphaned) {
      for (int i = 0; i < count; i++) {
        keys[i] = ((long) (Integer.MAX_VALUE - orphaned[nodes[i]]) << 32) | rank[i];
      }
      rank = denseRanks(keys);
    }
    // Ranks and indices are below 2^indexBits; the shuffle gets the bits left of 63.
    int indexBits = 32 - Integer.numberOfLeadingZeros(Math.max(1, shuffle.length));
    int shuffleBits = 63 - 2 * indexBits;
    for (int i = 0; i < count; i++) {
      long shuffled = shuffle[nodes[i]] >>> (64 - shuffleBits);
      keys[i] = ((long) rank[i] << (shuffleBits + indexBits)) | (shuffled << indexBits) | nodes[i];
    }
    Arrays.sort(keys);
    long indexMask = (1L << indexBits) - 1;
    for (int i = 0; i < count; i++) {
      nodes[i] = (int) (keys[i] & indexMask);
    }
  }

  /** For each value, how many distinct values are smaller. */
  static int[] denseRanks(double[] values) {
    double[] distinct = values.clone();
    Arrays.sort(distinct);
    int size = 0;
    for (double value : distinct) {
      if (size == 0 || Double.compare(distinct[size - 1], value) != 0) {
        distinct[size++] = value;
      }
    }
    int[] ranks = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      ranks[i] = Arrays.binarySearch(distinct, 0, size, values[i]);
    }
    return ranks;
  }

  static int[] denseRanks(long[] values) {
    long[] distinct = values.clone();
    Arrays.sort(distinct);
    int size = 0;
    for (long value : distinct) {
      if (size == 0 || distinct[size - 1] != value) {
        distinct[size++] = value;
      }
    }
    int[] ranks = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      ranks[i] = Arrays.binarySearch(distinct, 0, size, values[i]);
    }
    return ranks;
  }
}
