package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which peer transfers of nodes measured slow were ordered with {@code slowReceiver}, so that their
 * sources do not keep pace with them. A node measured slow after its transfers were ordered keeps
 * its peer sources, which keep pace with it until each lets go by itself (5 s of holding its own
 * write back), and every node of those blobs' trees moves at the slow node's pace meanwhile: its
 * kept transfers are ordered again, marked so, once each, and its agent asks the same source again
 * from the byte it reached.
 */
final class SlowReceiverOrders {

  /** By node: "digest source" of the transfers ordered so. */
  private final Map<String, Set<String>> ordered = new HashMap<>();

  /** A transfer planned for a node measured slow: its order says so already. */
  synchronized void planned(Transfer transfer) {
    if (!transfer.source().isUpstream()) {
      note(transfer.node(), transfer.blob().digest(), transfer.source().node());
    }
  }

  /**
   * Orders to {@code node} did not reach it: what it was to be told goes out again next round (an
   * agent ignores a second such order for a transfer already unpaced).
   */
  synchronized void orderFailed(String node) {
    ordered.remove(node);
  }

  /**
   * The peer transfers {@code node}, measured slow, has under way and that were not ordered so yet
   * (each is returned once): kept by this round's plan, from a source still alive.
   *
   * @param plannedNow blobs this round's plan ordered anew for the node
   */
  synchronized List<Transfer> toOrderAgain(
      String node,
      NodeHoldings holdings,
      Set<Digest> plannedNow,
      Map<Digest, WantedBlob> wanted,
      Set<String> liveNodes) {
    List<Transfer> again = new ArrayList<>();
    holdings.receiving.forEach(
        (digest, source) -> {
          WantedBlob blob = wanted.get(digest);
          if (blob != null
              && !source.isUpstream()
              && liveNodes.contains(source.node())
              && !plannedNow.contains(digest)
              && note(node, digest, source.node())) {
            again.add(new Transfer(node, new Blob(digest, blob.descriptor().size()), source, 1));
          }
        });
    return again;
  }

  /** Returns whether this is new. */
  private boolean note(String node, Digest digest, String source) {
    return ordered.computeIfAbsent(node, n -> new HashSet<>()).add(digest + " " + source);
  }
}
