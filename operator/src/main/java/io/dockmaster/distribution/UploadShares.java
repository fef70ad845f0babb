package io.dockmaster.distribution;

import java.util.List;

/**
 * How much each node is asked to upload, measured in time rather than bytes: bytes divided by the
 * node's upload capacity relative to the mean, so a node twice as fast carries twice the bytes at
 * the same load. Nodes are indexed as in the planner's sorted node list. It also knows which nodes
 * the run measured slow (see {@link PlanNode#measuredSlow()}), whatever they announced.
 */
final class UploadShares {

  /**
   * Children one node may serve in one blob's tree. Bounds the streams a single upload link is
   * split into; beyond it, blobs that are tiny compared to the whole image get a few more
   * forwarding nodes instead.
   */
  static final int MAX_FANOUT = 64;

  private final double[] upload;
  private final int[] speedRank;
  private final double[] load;
  private final int[] seeds;
  private final boolean[] measuredSlow;
  private double budget;

  private UploadShares(double[] upload, double[] download, boolean[] measuredSlow) {
    this.upload = upload;
    this.load = new double[upload.length];
    this.seeds = new int[upload.length];
    this.measuredSlow = measuredSlow;
    this.speedRank = speedRanks(upload, download);
  }

  /** 0 for the fastest uploaders, ties broken by download; equal nodes share a rank. */
  private static int[] speedRanks(double[] upload, double[] download) {
    double[] slowerUpload = new double[upload.length];
    double[] slowerDownload = new double[upload.length];
    for (int i = 0; i < upload.length; i++) {
      slowerUpload[i] = -upload[i];
      slowerDownload[i] = -download[i];
    }
    int[] uploadRank = PlacementOrder.denseRanks(slowerUpload);
    int[] downloadRank = PlacementOrder.denseRanks(slowerDownload);
    long[] pairs = new long[upload.length];
    for (int i = 0; i < upload.length; i++) {
      pairs[i] = ((long) uploadRank[i] << 32) | downloadRank[i];
    }
    return PlacementOrder.denseRanks(pairs);
  }

  static UploadShares of(List<PlanNode> nodes) {
    boolean[] measuredSlow = new boolean[nodes.size()];
    for (int i = 0; i < measuredSlow.length; i++) {
      measuredSlow[i] = nodes.get(i).measuredSlow();
    }
    return new UploadShares(
        relative(nodes.stream().mapToLong(PlanNode::uploadBytesPerSecond).toArray()),
        relative(nodes.stream().mapToLong(PlanNode::downloadBytesPerSecond).toArray()),
        measuredSlow);
  }

  /** Capacities divided by the mean of the known ones; unknown (0) counts as the mean. */
  private static double[] relative(long[] rates) {
    double known = 0;
    int count = 0;
    for (long rate : rates) {
      if (rate > 0) {
        known += rate;
        count++;
      }
    }
    double mean = count == 0 ? 1 : known / count;
    double[] relative = new double[rates.length];
    for (int i = 0; i < rates.length; i++) {
      relative[i] = rates[i] > 0 ? rates[i] / mean : 1;
    }
    return relative;
  }

  void charge(int node, long bytes) {
    load[node] += bytes / upload[node];
  }

  void countSeed(int node) {
    seeds[node]++;
  }

  /**
   * Sets each node's fair share from the bytes all peers together will upload. Capacities are
   * relative to their mean, so they add up to the node count.
   */
  void shareOut(double totalPeerBytes) {
    budget = load.length == 0 ? 0 : totalPeerBytes / load.length;
  }

  /**
   * What the node's load would be after forwarding {@code blob} to two receivers, the least a
   * forwarding node in a tree should serve (one receiver only lengthens the chain).
   */
  double loadAfterForwarding(int node, Blob blob) {
    return load[node] + 2 * blob.size() / upload[node];
  }

  /** Whether the node can forward {@code blob} to two receivers within its fair share. */
  boolean hasRoomToForward(int node, Blob blob) {
    return loadAfterForwarding(node, blob) <= ceiling(blob) * (1 + 1e-9);
  }

  /** How many receivers of {@code blob} the node can serve before it exceeds its fair share. */
  int childrenWithinBudget(int node, Blob blob) {
    double perChild = blob.size() / upload[node];
    if (perChild == 0) {
      return Integer.MAX_VALUE;
    }
    return (int) Math.min(Integer.MAX_VALUE, Math.ceil((ceiling(blob) - load[node]) / perChild));
  }

  /**
   * A node's fair share of all uploads, but at least two copies of the blob at mean capacity: with
   * few blobs the fair share is less than a forwarding node needs.
   */
  private double ceiling(Blob blob) {
    return Math.max(budget, 2.0 * blob.size());
  }

  /**
   * Children the node may serve in a tree whose fanout for a node of mean capacity is {@code base}.
   */
  int fanout(int node, int base) {
    return (int) Math.max(2, Math.min(MAX_FANOUT, Math.round(base * upload[node])));
  }

  /** The node's upload capacity relative to the mean node's. */
  double upload(int node) {
    return upload[node];
  }

  int seeds(int node) {
    return seeds[node];
  }

  /** Whether the run measured the node far slower than the median node. */
  boolean measuredSlow(int node) {
    return measuredSlow[node];
  }

  /** Where the node's upload and download capacity put it among all nodes, fastest first. */
  int speedRank(int node) {
    return speedRank[node];
  }
}
