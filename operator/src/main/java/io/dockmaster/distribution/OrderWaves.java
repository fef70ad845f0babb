package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * In which wave each new transfer of a round is ordered. A node must be told what to fetch before a
 * peer asks it for that blob, or it answers that it has none; so a transfer whose source is given a
 * transfer of the same blob in this round waits for the wave after the source's. Every other
 * transfer, from the registry, from a holder, or from a node whose own transfer goes on, is ordered
 * in the first wave: a receiver moved deep in a tree (its relay gone or slow) no longer waits for
 * one wave per level above it, each as long as its slowest agent's answer.
 */
final class OrderWaves {

  private final Map<String, Transfer> started = new HashMap<>();
  private final Map<String, Integer> waves = new HashMap<>();

  OrderWaves(Collection<Transfer> start) {
    for (Transfer transfer : start) {
      started.put(key(transfer.node(), transfer.blob().digest()), transfer);
    }
  }

  /** 1 for the first wave. */
  int waveOf(Transfer transfer) {
    String key = key(transfer.node(), transfer.blob().digest());
    Integer known = waves.get(key);
    if (known != null) {
      return known;
    }
    // Up the sources that are new in this round; a plan's transfers of a blob form a tree, and
    // the walk is bounded by the node count should a faulty plan close a cycle.
    int wave = 1;
    Transfer source = sourceStartedNow(transfer);
    while (source != null && wave <= started.size()) {
      wave++;
      source = sourceStartedNow(source);
    }
    waves.put(key, wave);
    return wave;
  }

  private Transfer sourceStartedNow(Transfer transfer) {
    if (transfer.source().isUpstream()) {
      return null;
    }
    return started.get(key(transfer.source().node(), transfer.blob().digest()));
  }

  private static String key(String node, Digest blob) {
    return node + " " + blob;
  }
}
