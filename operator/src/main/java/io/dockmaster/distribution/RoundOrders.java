package io.dockmaster.distribution;

import io.dockmaster.control.TransferOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A round's orders, by wave and node, and which calls each waits for. A node must be told what to
 * fetch before a peer asks it for that blob, or it answers that it has none; so an order whose
 * source is given a transfer of the same blob in this round goes in the wave after the source's,
 * and its node's call waits for the source node's call of that wave, and for nothing else. Every
 * other order, from the registry, from a holder, or from a node whose own transfer goes on, is in
 * the first wave. A receiver moved deep in a running tree is so told at once, and an agent slow to
 * answer holds up only the calls below it, not every later wave of the round.
 */
final class RoundOrders {

  private final Map<String, Transfer> started = new HashMap<>();
  private final Map<String, Integer> waveByTransfer = new HashMap<>();
  private final Map<Integer, Map<String, List<TransferOrder>>> waves = new TreeMap<>();
  private final Map<Integer, Map<String, Set<String>>> after = new HashMap<>();

  /** The transfers one plan starts: sources a later order may wait for. */
  void planned(Collection<Transfer> start) {
    planned(start, false);
  }

  /**
   * As {@link #planned(Collection)}; a chain's orders all go in the first wave instead, since a
   * chain as deep as its node count would otherwise be told one node after another, and a relay
   * asked before its own transfer has started waits for it (and starts one that waits).
   */
  void planned(Collection<Transfer> start, boolean allAtOnce) {
    if (allAtOnce) {
      return;
    }
    for (Transfer transfer : start) {
      started.put(key(transfer.node(), transfer), transfer);
    }
  }

  /**
   * Orders {@code transfer}, one of a plan given to {@link #planned} or kept from an earlier one.
   */
  void add(Transfer transfer, TransferOrder order) {
    int wave = waveOf(transfer);
    waves
        .computeIfAbsent(wave, w -> new LinkedHashMap<>())
        .computeIfAbsent(transfer.node(), n -> new ArrayList<>())
        .add(order);
    Transfer source = sourceStartedNow(transfer);
    if (source != null) {
      after
          .computeIfAbsent(wave, w -> new HashMap<>())
          .computeIfAbsent(transfer.node(), n -> new LinkedHashSet<>())
          .add(source.node());
    }
  }

  /** Wave → node → orders, first wave first. */
  Map<Integer, Map<String, List<TransferOrder>>> waves() {
    return waves;
  }

  /** The nodes whose call in the wave before {@code wave} the node's call waits for. */
  Set<String> after(int wave, String node) {
    return after.getOrDefault(wave, Map.of()).getOrDefault(node, Set.of());
  }

  /** 1 for the first wave. */
  int waveOf(Transfer transfer) {
    String key = key(transfer.node(), transfer);
    Integer known = waveByTransfer.get(key);
    if (known != null) {
      return known;
    }
    // Up the sources that are new in this round; a plan's transfers of a blob form a tree, and
    // the walk is bounded by the transfers' count should a faulty plan close a cycle.
    int wave = 1;
    Transfer source = sourceStartedNow(transfer);
    while (source != null && wave <= started.size()) {
      wave++;
      source = sourceStartedNow(source);
    }
    waveByTransfer.put(key, wave);
    return wave;
  }

  private Transfer sourceStartedNow(Transfer transfer) {
    if (transfer.source().isUpstream()) {
      return null;
    }
    return started.get(key(transfer.source().node(), transfer));
  }

  private static String key(String node, Transfer transfer) {
    return node + " " + transfer.blob().digest();
  }
}
