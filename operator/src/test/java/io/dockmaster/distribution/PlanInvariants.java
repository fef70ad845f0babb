package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.registry.Digest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The properties every plan must have, whatever the request. */
final class PlanInvariants {

  private PlanInvariants() {}

  static void assertValid(PlanRequest request, Plan plan) {
    Map<String, PlanNode> nodes =
        request.nodes().stream().collect(Collectors.toMap(PlanNode::name, Function.identity()));
    Map<Digest, Blob> blobs =
        request.blobs().stream().collect(Collectors.toMap(Blob::digest, Function.identity()));
    Map<String, Transfer> byNodeAndBlob = new HashMap<>();
    plan.transfers()
        .forEach(
            t -> {
              assertThat(nodes)
                  .as("transfer to a node not in the request: %s", t)
                  .containsKey(t.node());
              assertThat(blobs.get(t.blob().digest())).as("blob of %s", t).isEqualTo(t.blob());
              assertThat(byNodeAndBlob.put(key(t.node(), t.blob().digest()), t))
                  .as("a second transfer for the same node and blob: %s", t)
                  .isNull();
            });

    for (PlanNode node : request.nodes()) {
      for (Blob blob : request.blobs()) {
        Transfer transfer = byNodeAndBlob.get(key(node.name(), blob.digest()));
        if (node.complete().contains(blob.digest())) {
          assertThat(transfer).as("%s holds %s", node.name(), blob.digest()).isNull();
        } else {
          assertThat(transfer).as("%s lacks %s", node.name(), blob.digest()).isNotNull();
        }
      }
    }

    Set<Transfer> kept = new HashSet<>(plan.keep());
    for (Transfer keep : plan.keep()) {
      assertThat(nodes.get(keep.node()).receiving().get(keep.blob().digest()))
          .as("kept %s is in flight", keep)
          .isEqualTo(keep.source());
    }
    for (Transfer start : plan.start()) {
      assertThat(nodes.get(start.node()).receiving().get(start.blob().digest()))
          .as("%s restarts what is already in flight", start)
          .isNotEqualTo(start.source());
    }

    for (Transfer transfer : byNodeAndBlob.values()) {
      Digest digest = transfer.blob().digest();
      if (transfer.source().isUpstream()) {
        assertThat(transfer.depth()).as("depth of %s", transfer).isEqualTo(1);
        continue;
      }
      String source = transfer.source().node();
      assertThat(source).as("source of %s", transfer).isNotEqualTo(transfer.node());
      assertThat(nodes).as("source of %s is present", transfer).containsKey(source);
      assertThat(withholds(request, nodes.get(source), digest))
          .as("source of %s is withheld from serving it", transfer)
          .isFalse();
      if (nodes.get(source).complete().contains(digest)) {
        assertThat(transfer.depth()).as("depth of %s", transfer).isEqualTo(1);
      } else {
        // One more than its source's: depths strictly fall along a chain, so chains end.
        Transfer upstreamOfIt = byNodeAndBlob.get(key(source, digest));
        assertThat(upstreamOfIt).as("source of %s receives the blob", transfer).isNotNull();
        assertThat(transfer.depth())
            .as("depth of %s", transfer)
            .isEqualTo(upstreamOfIt.depth() + 1);
      }
    }

    for (Blob blob : request.blobs()) {
      List<Transfer> upstream =
          byNodeAndBlob.values().stream()
              .filter(t -> t.blob().equals(blob) && t.source().isUpstream())
              .toList();
      assertThat(upstream.size())
          .as("upstream transfers of %s", blob.digest())
          .isLessThanOrEqualTo(request.maxUpstreamStreams());
      boolean held =
          request.nodes().stream()
              .anyMatch(
                  n ->
                      n.complete().contains(blob.digest())
                          && !withholds(request, n, blob.digest()));
      boolean keptUpstream = upstream.stream().anyMatch(kept::contains);
      long newUpstream = upstream.stream().filter(t -> !kept.contains(t)).count();
      boolean needed =
          request.nodes().stream().anyMatch(n -> !n.complete().contains(blob.digest()));
      assertThat(newUpstream)
          .as("new upstream transfers of %s", blob.digest())
          .isEqualTo(held || keptUpstream || !needed ? 0 : 1);
      assertKeptWhereverPossible(request, blob, nodes, plan);
      assertMeasuredSlowSeedOnlyWhenNoOtherCan(request, blob, nodes, plan);
    }
  }

  /**
   * A new upstream transfer goes to a node measured slow only if every other node planned anew for
   * the blob is withheld from serving it or measured slow too.
   */
  private static void assertMeasuredSlowSeedOnlyWhenNoOtherCan(
      PlanRequest request, Blob blob, Map<String, PlanNode> nodes, Plan plan) {
    List<Transfer> started = plan.start().stream().filter(t -> t.blob().equals(blob)).toList();
    for (Transfer seed : started) {
      if (!seed.source().isUpstream() || !nodes.get(seed.node()).measuredSlow()) {
        continue;
      }
      for (Transfer other : started) {
        PlanNode node = nodes.get(other.node());
        assertThat(node.measuredSlow() || node.withheld().contains(blob.digest()))
            .as("%s seeds %s though it was measured slow and %s was not", seed.node(), blob, node)
            .isTrue();
      }
    }
  }

  /**
   * An in-flight transfer to a node that needs the blob stays if its source is a present peer and
   * it is on no cycle, or if its source is upstream and the cap allows. A peer transfer may instead
   * continue from a holder with upload to spare (see {@link SpareHolders}), neither of them
   * measured slow, and only with enough of the blob left.
   */
  private static void assertKeptWhereverPossible(
      PlanRequest request, Blob blob, Map<String, PlanNode> nodes, Plan plan) {
    Digest digest = blob.digest();
    Set<Transfer> kept = new HashSet<>(plan.keep());
    Set<String> keptNodes = new HashSet<>();
    kept.stream().filter(t -> t.blob().equals(blob)).forEach(t -> keptNodes.add(t.node()));
    Map<String, Transfer> started = new HashMap<>();
    plan.start().stream().filter(t -> t.blob().equals(blob)).forEach(t -> started.put(t.node(), t));
    int upstreamInFlight = 0;
    for (PlanNode node : request.nodes()) {
      Source source = node.receiving().get(digest);
      if (source == null || node.complete().contains(digest)) {
        continue;
      }
      if (source.isUpstream()) {
        // A slow seed's registry stream goes to another node where one can take it.
        upstreamInFlight += withholds(request, node, digest) ? 0 : 1;
      } else if (nodes.containsKey(source.node())
          && !source.node().equals(node.name())
          && !withholds(request, nodes.get(source.node()), digest)
          && !onCycle(node.name(), digest, nodes)
          && !keptNodes.contains(node.name())) {
        Transfer moved = started.get(node.name());
        assertThat(moved.source().isUpstream())
            .as("%s keeps streaming %s from %s or moves to a holder", node.name(), digest, source)
            .isFalse();
        PlanNode taker = nodes.get(moved.source().node());
        long had = node.received().getOrDefault(digest, 0L);
        if (node.measuredSlow() && had == 0 && !plan.sequence().isEmpty()) {
          // A chain moves what a slow node has not begun to its end (ChainPlanner).
          assertThat(taker.measuredSlow())
              .as("%s, measured slow, moved to %s, also slow", node.name(), taker.name())
              .isFalse();
          continue;
        }
        assertThat(taker.complete().contains(digest) && !taker.withheld().contains(digest))
            .as("%s moved to %s, which holds %s and serves it", node.name(), taker.name(), digest)
            .isTrue();
        assertThat(taker.measuredSlow() || node.measuredSlow())
            .as("%s moved to %s: neither may be measured slow", node.name(), taker.name())
            .isFalse();
        assertThat(blob.size() - had)
            .as("bytes %s had left of %s when moved", node.name(), digest)
            .isGreaterThanOrEqualTo(SpareHolders.MIN_BYTES_LEFT);
      }
    }
    long keptUpstream =
        kept.stream().filter(t -> t.blob().equals(blob) && t.source().isUpstream()).count();
    assertThat(keptUpstream)
        .as("kept upstream transfers of %s", digest)
        .isEqualTo(Math.min(upstreamInFlight, request.maxUpstreamStreams()));
  }

  /**
   * Whether the node may not serve the blob: a withheld holder never, a withheld receiver only
   * while a holder serves it instead, receiving it from a peer while some node fetches it from the
   * registry, or, fetching it from the registry, while another node not measured slow can fetch it
   * in its place.
   */
  private static boolean withholds(PlanRequest request, PlanNode node, Digest digest) {
    if (!node.withheld().contains(digest)) {
      return false;
    }
    Source source = node.receiving().get(digest);
    boolean seed = source != null && source.isUpstream();
    boolean relay = source != null && !source.isUpstream();
    return node.complete().contains(digest)
        || request.nodes().stream()
            .anyMatch(n -> n.complete().contains(digest) && !n.withheld().contains(digest))
        || relay
            && request.nodes().stream()
                .anyMatch(
                    n ->
                        !n.complete().contains(digest)
                            && n.receiving().containsKey(digest)
                            && n.receiving().get(digest).isUpstream())
        || seed
            && request.nodes().stream()
                .anyMatch(
                    n ->
                        !n.complete().contains(digest)
                            && !n.withheld().contains(digest)
                            && !n.measuredSlow());
  }

  private static boolean onCycle(String start, Digest digest, Map<String, PlanNode> nodes) {
    String current = start;
    for (int steps = 0; steps <= nodes.size(); steps++) {
      PlanNode node = nodes.get(current);
      if (node == null || node.complete().contains(digest)) {
        return false;
      }
      Source source = node.receiving().get(digest);
      if (source == null || source.isUpstream()) {
        return false;
      }
      current = source.node();
      if (current.equals(start)) {
        return true;
      }
    }
    return false; // a cycle further up, not through start
  }

  /** Largest upload divided by the mean, each node's bytes divided by its upload capacity. */
  static double uploadImbalance(PlanRequest request, Plan plan) {
    Map<String, Long> uploads = plan.uploadBytesByNode();
    double known =
        request.nodes().stream()
            .mapToLong(PlanNode::uploadBytesPerSecond)
            .filter(r -> r > 0)
            .average()
            .orElse(1);
    double totalBytes = 0;
    double totalRate = 0;
    double worst = 0;
    for (PlanNode node : request.nodes()) {
      double rate = node.uploadBytesPerSecond() > 0 ? node.uploadBytesPerSecond() : known;
      double bytes = uploads.getOrDefault(node.name(), 0L);
      totalBytes += bytes;
      totalRate += rate;
      worst = Math.max(worst, bytes / rate);
    }
    return totalBytes == 0 ? 1 : worst / (totalBytes / totalRate);
  }

  private static String key(String node, Digest digest) {
    return node + " " + digest;
  }
}
