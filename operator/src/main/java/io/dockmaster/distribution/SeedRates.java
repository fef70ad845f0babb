package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.util.HashMap;
import java.util.Map;

/**
 * What seeds fetch from the registry at, each measured over {@link LaggingRelays#SEED_MEASURABLE}
 * or more: the yardstick a seed is judged by. Many seeds share the registry's uplink at once when a
 * blob moves in pieces, and the fastest of twenty is no measure of the others (TCP alone gave some
 * a third of it in the lab), so with {@link #FOR_MEDIAN} or more fetching the yardstick is their
 * median; with fewer, the fastest other node that seeded in the run. Not the node itself: the one
 * seed of a chain fetches every blob, each at the pace the one before it leaves it, and measured
 * against its own earlier blobs it was found slow in runs where no node was.
 */
final class SeedRates {

  static final int FOR_MEDIAN = 3;

  private final Map<String, Double> fetching = new HashMap<>();
  private final Map<String, Double> fastestByNode = new HashMap<>();

  /** The seed of {@code blob} on {@code node} fetches at this rate now. */
  void measured(Digest blob, String node, double bytesPerSecond) {
    fastestByNode.merge(node, bytesPerSecond, Math::max);
    fetching.put(key(blob, node), bytesPerSecond);
  }

  /** It no longer fetches the blob from the registry. */
  void stopped(Digest blob, String node) {
    fetching.remove(key(blob, node));
  }

  /** What {@code node}'s seeds are judged by; 0, judging none, while no other node seeded. */
  double yardstick(String node) {
    if (fetching.size() < FOR_MEDIAN) {
      double fastest = 0;
      for (Map.Entry<String, Double> seed : fastestByNode.entrySet()) {
        fastest = seed.getKey().equals(node) ? fastest : Math.max(fastest, seed.getValue());
      }
      return fastest;
    }
    double[] rates = fetching.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return rates[rates.length / 2];
  }

  /** How log lines name the yardstick. */
  String describe() {
    return fetching.size() >= FOR_MEDIAN
        ? "the median of the " + fetching.size() + " seeds fetching now got"
        : "the fastest other node fetching from it got";
  }

  private static String key(Digest blob, String node) {
    return blob + "\u0000" + node;
  }
}
