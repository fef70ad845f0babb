package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The outcome of one planning round.
 *
 * <p>Any transfer in flight that is not in {@code keep} should stop; when {@code start} holds a
 * transfer for the same node and blob, that one replaces it (the node keeps what it has received).
 * The helpers scan the lists: fine for a report or a test, not for a loop over every node.
 *
 * @param start transfers to begin, ordered by blob then node
 * @param keep transfers in flight that stay as they are, ordered by blob then node
 * @param sequence the order in which each node takes in its blobs, one after another, for a plan
 *     whose links should carry one blob at a time (see {@link ChainPlanner}); empty when a node
 *     takes in all of them at once
 */
public record Plan(List<Transfer> start, List<Transfer> keep, List<Blob> sequence) {

  public Plan {
    start = List.copyOf(start);
    keep = List.copyOf(keep);
    sequence = List.copyOf(sequence);
  }

  /** A plan whose nodes take in all their blobs at once. */
  public Plan(List<Transfer> start, List<Transfer> keep) {
    this(start, keep, List.of());
  }

  /** Kept and new transfers together. */
  public Stream<Transfer> transfers() {
    return Stream.concat(keep.stream(), start.stream());
  }

  public List<Transfer> startFor(String node) {
    return start.stream().filter(t -> t.node().equals(node)).toList();
  }

  /** The kept or new transfer bringing {@code blob} to {@code node}, if it needs one. */
  public Optional<Transfer> transferFor(String node, Digest blob) {
    return transfers()
        .filter(t -> t.node().equals(node) && t.blob().digest().equals(blob))
        .findFirst();
  }

  /** Bytes the upstream registry is asked to serve, counting kept transfers whole. */
  public long upstreamBytes() {
    return transfers().filter(t -> t.source().isUpstream()).mapToLong(t -> t.blob().size()).sum();
  }

  /** Bytes {@code node} is asked to serve to peers, counting kept transfers whole. */
  public long uploadBytesBy(String node) {
    return uploadBytesByNode().getOrDefault(node, 0L);
  }

  /** Bytes each serving node is asked to upload, by node name; nodes serving nothing are absent. */
  public Map<String, Long> uploadBytesByNode() {
    Map<String, Long> bytes = new TreeMap<>();
    transfers()
        .filter(t -> !t.source().isUpstream())
        .forEach(t -> bytes.merge(t.source().node(), t.blob().size(), Long::sum));
    return bytes;
  }

  /** The longest chain of transfers passing a blob on; 0 for an empty plan. */
  public int maxDepth() {
    return transfers().mapToInt(Transfer::depth).max().orElse(0);
  }
}
