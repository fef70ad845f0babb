package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.util.Map;
import java.util.Set;

/**
 * What the planner knows about one node.
 *
 * @param name the Kubernetes node name; unique within a request
 * @param uploadBytesPerSecond what the node can send to peers; 0 when unknown (treated as the mean
 *     of the known rates, or all equal when none is known)
 * @param downloadBytesPerSecond what the node can receive; 0 when unknown
 * @param complete blobs the node holds, verified
 * @param receiving blobs in flight to the node and where each comes from
 * @param withheld blobs peers must not fetch from this node: complete ones it sent bad bytes of
 *     though its copy checks out, or ones it receives far slower than other nodes did or while
 *     measured slow (its own transfer goes on; its receivers move where a holder or the blob's
 *     registry stream can feed them; a seed's registry stream goes to another node where one can
 *     take it)
 * @param measuredSlow whether the run has seen this node take in its blobs far slower than the
 *     median node, whatever rates it announced: it seeds and serves new receivers only where no
 *     other node can, and is placed where it has no one below it
 * @param received bytes the node has of each blob it is receiving, as it last reported them; a
 *     receiver planned again continues from there, so it gets a source that is ahead of it where
 *     one can take it (a relay behind it would send nothing until it got that far); and one with
 *     little of a blob left is not moved to a holder with upload to spare
 */
public record PlanNode(
    String name,
    long uploadBytesPerSecond,
    long downloadBytesPerSecond,
    Set<Digest> complete,
    Map<Digest, Source> receiving,
    Set<Digest> withheld,
    boolean measuredSlow,
    Map<Digest, Long> received) {

  public PlanNode {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("node name must not be empty");
    }
    if (uploadBytesPerSecond < 0) {
      throw new IllegalArgumentException(
          "uploadBytesPerSecond of node \""
              + name
              + "\" must not be negative (0 means unknown), got "
              + uploadBytesPerSecond);
    }
    if (downloadBytesPerSecond < 0) {
      throw new IllegalArgumentException(
          "downloadBytesPerSecond of node \""
              + name
              + "\" must not be negative (0 means unknown), got "
              + downloadBytesPerSecond);
    }
    complete = Set.copyOf(complete);
    receiving = Map.copyOf(receiving);
    withheld = Set.copyOf(withheld);
    received = Map.copyOf(received);
  }

  /** A node whose receivers' progress is not known: each counts as at its first byte. */
  public PlanNode(
      String name,
      long uploadBytesPerSecond,
      long downloadBytesPerSecond,
      Set<Digest> complete,
      Map<Digest, Source> receiving,
      Set<Digest> withheld,
      boolean measuredSlow) {
    this(
        name,
        uploadBytesPerSecond,
        downloadBytesPerSecond,
        complete,
        receiving,
        withheld,
        measuredSlow,
        Map.of());
  }

  /** A node not measured slow. */
  public PlanNode(
      String name,
      long uploadBytesPerSecond,
      long downloadBytesPerSecond,
      Set<Digest> complete,
      Map<Digest, Source> receiving,
      Set<Digest> withheld) {
    this(name, uploadBytesPerSecond, downloadBytesPerSecond, complete, receiving, withheld, false);
  }

  /** A node every peer may fetch from. */
  public PlanNode(
      String name,
      long uploadBytesPerSecond,
      long downloadBytesPerSecond,
      Set<Digest> complete,
      Map<Digest, Source> receiving) {
    this(name, uploadBytesPerSecond, downloadBytesPerSecond, complete, receiving, Set.of());
  }

  /** A node with unknown rates that holds and receives nothing yet. */
  public static PlanNode empty(String name) {
    return new PlanNode(name, 0, 0, Set.of(), Map.of());
  }
}
