package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * For a plan with a {@link Plan#sequence()}: which of a node's transfers each new one waits behind.
 * That is the unit before it in the sequence that the node still receives, in a transfer going on
 * or started by the plan; a unit with none before it starts at once.
 */
final class TransferSequence {

  private TransferSequence() {}

  /** New transfer → the unit it waits behind; transfers that start at once are absent. */
  static Map<Transfer, Digest> waits(Plan plan, List<PlanNode> nodes) {
    if (plan.sequence().isEmpty() || plan.start().isEmpty()) {
      return Map.of();
    }
    Map<String, Map<Digest, Transfer>> startedByNode = new HashMap<>();
    for (Transfer transfer : plan.start()) {
      startedByNode
          .computeIfAbsent(transfer.node(), n -> new HashMap<>())
          .put(transfer.blob().digest(), transfer);
    }
    Map<Transfer, Digest> waits = new HashMap<>();
    for (PlanNode node : nodes) {
      Map<Digest, Transfer> started = startedByNode.get(node.name());
      if (started == null) {
        continue;
      }
      Digest before = null;
      for (Blob blob : plan.sequence()) {
        Digest digest = blob.digest();
        Transfer transfer = started.get(digest);
        if (transfer != null && before != null) {
          waits.put(transfer, before);
        }
        boolean receives = transfer != null || node.receiving().containsKey(digest);
        if (receives && !node.complete().contains(digest)) {
          before = digest;
        }
      }
    }
    return waits;
  }
}
