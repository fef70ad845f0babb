package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/** Blobs, nodes and requests for planner tests. */
final class PlanFixtures {

  static final long MIB = 1024 * 1024;

  private PlanFixtures() {}

  static Digest digest(int i) {
    return Digest.sha256(("blob " + i).getBytes(StandardCharsets.UTF_8));
  }

  static Blob blob(int i, long size) {
    return new Blob(digest(i), size);
  }

  static List<Blob> blobs(int count, long size) {
    return IntStream.range(0, count).mapToObj(i -> blob(i, size)).toList();
  }

  static String name(int i) {
    return "node-%04d".formatted(i);
  }

  static List<PlanNode> emptyNodes(int count) {
    return IntStream.range(0, count).mapToObj(i -> PlanNode.empty(name(i))).toList();
  }

  static PlanNode holding(String name, Blob... blobs) {
    Set<Digest> held = new HashSet<>();
    for (Blob blob : blobs) {
      held.add(blob.digest());
    }
    return new PlanNode(name, 0, 0, held, Map.of());
  }

  static PlanNode receiving(String name, Blob blob, Source source) {
    return new PlanNode(name, 0, 0, Set.of(), Map.of(blob.digest(), source));
  }

  /** A node receiving the blob from {@code source} that has {@code bytes} of it. */
  static PlanNode receiving(String name, Blob blob, Source source, long bytes) {
    return new PlanNode(
        name,
        0,
        0,
        Set.of(),
        Map.of(blob.digest(), source),
        Set.of(),
        false,
        Map.of(blob.digest(), bytes));
  }

  static PlanNode withUpload(PlanNode node, long bytesPerSecond) {
    return new PlanNode(
        node.name(),
        bytesPerSecond,
        node.downloadBytesPerSecond(),
        node.complete(),
        node.receiving(),
        node.withheld(),
        node.measuredSlow());
  }

  /** The same node, as one the run measured taking in its blobs far slower than the rest. */
  static PlanNode measuredSlow(PlanNode node) {
    return new PlanNode(
        node.name(),
        node.uploadBytesPerSecond(),
        node.downloadBytesPerSecond(),
        node.complete(),
        node.receiving(),
        node.withheld(),
        true,
        node.received());
  }

  /** Holds the blobs, but must not serve them to peers. */
  static PlanNode withholding(String name, Blob... blobs) {
    PlanNode holder = holding(name, blobs);
    return new PlanNode(name, 0, 0, holder.complete(), Map.of(), holder.complete());
  }

  static PlanRequest fresh(int nodes, int blobs, long size) {
    return new PlanRequest(blobs(blobs, size), emptyNodes(nodes), 1);
  }

  static PlanRequest request(List<Blob> blobs, List<PlanNode> nodes) {
    return new PlanRequest(blobs, nodes, 1);
  }

  static List<PlanNode> with(List<PlanNode> nodes, PlanNode... more) {
    List<PlanNode> all = new ArrayList<>(nodes);
    all.addAll(List.of(more));
    return all;
  }
}
