package io.dockmaster.distribution;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans one tree per blob, SplitStream style: each blob is seeded by a different node, and each
 * node forwards in few trees (to several children there) and is a leaf in the rest, so upload work
 * is spread evenly and every node's upload link is used. Peers pass a blob on while still receiving
 * it, so a tree's depth, about log N, is what a chain of streams costs in latency and in nodes cut
 * off when one fails.
 *
 * <p>Fanout follows blob size: a tree forwards to about (total bytes / blob bytes) children per
 * forwarding node, at least 2, so one forwarding role costs about one image's worth of upload and a
 * node takes about one role. Transfers in flight stay unless their source is gone or they form a
 * cycle, so a failed node orphans only its direct receivers.
 *
 * <p>The registry serves each blob once: a node fetches from upstream only when no present node
 * holds or receives the blob. Upload balance achieved: with several equal blobs the busiest node
 * uploads at most 1.25 times the mean (about 1.05 from 20 nodes up); with one blob 2N/(N−1) times,
 * since any tree shallower than a chain has nodes serving two. Without range requests a pipelined
 * tree passes a blob on at half a link's rate, so a blob larger than half the image bounds the
 * makespan at about 2 × its size / upload rate.
 *
 * <p>Cost: O(B · N log N) for B blobs and N nodes.
 */
public final class MultiTreePlanner implements DistributionPlanner {

  @Override
  public Plan plan(PlanRequest request) {
    List<PlanNode> nodes = request.nodesByName();
    List<Blob> blobs = request.blobsLargestFirst();

    int count = nodes.size();
    Map<String, Integer> index = new HashMap<>(count * 2);
    String[] names = new String[count];
    Source[] peers = new Source[count];
    long[] nodeKeys = new long[count];
    for (int i = 0; i < count; i++) {
      names[i] = nodes.get(i).name();
      peers[i] = Source.peer(names[i]);
      nodeKeys[i] = BlobTree.mix(names[i].hashCode());
      index.put(names[i], i);
    }

    UploadShares shares = UploadShares.of(nodes);
    List<BlobTree> trees = new ArrayList<>(blobs.size());
    for (Blob blob : blobs) {
      BlobTree tree =
          BlobTree.observe(
              blob, nodes, index, request.maxUpstreamStreams(), blobKey(blob), nodeKeys);
      trees.add(tree);
    }
    SpareHolders.relieve(trees, shares);
    trees.forEach(tree -> tree.chargeKept(shares));
    double peerBytes = 0;
    long neededBytes = 0;
    for (BlobTree tree : trees) {
      peerBytes += tree.peerBytes();
      if (tree.unplanned() > 0) {
        neededBytes += tree.blob().size();
      }
    }
    shares.shareOut(peerBytes);

    List<Transfer> start = new ArrayList<>();
    List<Transfer> keep = new ArrayList<>();
    for (BlobTree tree : trees) {
      tree.grow(shares, baseFanout(neededBytes, tree.blob().size()));
      tree.emit(names, peers, start, keep);
    }
    return new Plan(start, keep);
  }

  /** Children per forwarding node of mean capacity: one role should cost about one image. */
  static int baseFanout(long neededBytes, long blobSize) {
    if (blobSize == 0) {
      return UploadShares.MAX_FANOUT;
    }
    long fanout = Math.round((double) neededBytes / blobSize);
    return (int) Math.max(2, Math.min(UploadShares.MAX_FANOUT, fanout));
  }

  /** Digests are uniformly random already; their first 64 bits make a good per-blob shuffle. */
  private static long blobKey(Blob blob) {
    return Long.parseUnsignedLong(blob.digest().hex().substring(0, 16), 16);
  }
}
