package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.util.HashMap;
import java.util.Map;

/**
 * What seeds fetch from the registry at, each measured over {@link LaggingRelays#SEED_MEASURABLE}
 * or more: the yardstick a seed is judged by. Many seeds share the registry's uplink at once when a
 * blob moves in pieces, and the fastest of twenty is no measure of the others (TCP alone gave some
 * a third of it in the lab), so with {@link #FOR_MEDIAN} or more others fetching the yardstick is
 * their median; with fewer, the fastest other node that seeded in the run. Not the node itself: the
 * one seed of a chain fetches every blob, each at the pace the one before it leaves it, and
 * measured against its own earlier blobs it was found slow in runs where no node was.
 */
final class SeedRates {

  static final int FOR_MEDIAN = 3;

  private record Fetch(String node, double bytesPerSecond) {}

  private final Map<String, Fetch> fetching = new HashMap<>();
  private final Map<String, Double> fastestByNode = new HashMap<>();

  /** The seed of {@code blob} on {@code node} fetches at this rate now. */
  void measured(Digest blob, String node, double bytesPerSecond) {
    fastestByNode.merge(node, bytesPerSecond, Math::max);
    fetching.put(key(blob, node), new Fetch(node, bytesPerSecond));
  }

  /** It no longer fetches the blob from the registry. */
  void stopped(Digest blob, String node) {
    fetching.remove(key(blob, node));
  }

  /** What {@code node}'s seeds are judged by; 0, judging none, while no other node seeded. */
  double yardstick(String node) {
    double[] others = others(node);
    if (others.length >= FOR_MEDIAN) {
      return others[others.length / 2];
    }
    double fastest = 0;
    for (Map.Entry<String, Double> seed : fastestByNode.entrySet()) {
      fastest = seed.getKey().equals(node) ? fastest : Math.max(fastest, seed.getValue());
    }
    return fastest;
  }

  /** How log lines name {@code node}'s yardstick. */
  String describe(String node) {
    int others = others(node).length;
    return others >= FOR_MEDIAN
        ? "the median of the " + others + " other seeds fetching now got"
        : "the fastest other node fetching from it got";
  }

  /** What the other nodes' seeds fetch at now, slowest first. */
  private double[] others(String node) {
    return fetching.values().stream()
        .filter(fetch -> !fetch.node().equals(node))
        .mapToDouble(Fetch::bytesPerSecond)
        .sorted()
        .toArray();
  }

  private static String key(Digest blob, String node) {
    return blob + "\u0000" + node;
  }
}
