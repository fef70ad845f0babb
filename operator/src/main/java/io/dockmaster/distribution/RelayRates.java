package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What nodes get a blob from their peers at: the yardstick a relay is judged by. It is the median
 * of the rates at which nodes got the blob whole and at which nodes receive it now from a node that
 * holds it whole, each measured over {@link LaggingRelays#MEASURABLE} or more; there is none before
 * a node got the blob whole. Nodes receiving from a relay are left out: they get the blob at their
 * relay's pace, so a slow relay would pull the median down with its subtree. The fastest node's
 * rate was the yardstick once: with agents warming up and five blobs sharing each node's link, the
 * first node to hold a blob had it at twice what most of the others were getting, fourteen nodes of
 * twenty were found lagging in one round, and moving their receivers took the lab's run from about
 * 60 s to 94 s. A node is slow against what the others get, not against the luckiest.
 */
final class RelayRates {

  private final Map<Digest, Map<String, Double>> completed = new HashMap<>();
  private final Map<Digest, Map<String, Receiving>> receiving = new HashMap<>();

  private record Receiving(String source, double bytesPerSecond) {}

  /** Computed at most once per blob between changes: a round judges every receiver of a blob. */
  private final Map<Digest, Yardstick> yardsticks = new HashMap<>();

  /** The rate and how many nodes it is the median of. */
  record Yardstick(double bytesPerSecond, int nodes) {}

  /** The node receives the blob from the peer {@code source} at this rate now. */
  void receiving(Digest blob, String node, String source, double bytesPerSecond) {
    receiving
        .computeIfAbsent(blob, b -> new HashMap<>())
        .put(node, new Receiving(source, bytesPerSecond));
    yardsticks.remove(blob);
  }

  /** The node got the blob whole at this rate. */
  void completed(Digest blob, String node, double bytesPerSecond) {
    stopped(blob, node);
    completed.computeIfAbsent(blob, b -> new HashMap<>()).put(node, bytesPerSecond);
    yardsticks.remove(blob);
  }

  /** The node's transfer of the blob is not measurable now, or not from a peer. */
  void stopped(Digest blob, String node) {
    Map<String, Receiving> nodes = receiving.get(blob);
    if (nodes != null && nodes.remove(node) != null) {
      yardsticks.remove(blob);
    }
  }

  /** Empty until a node got the blob whole over a measurable time. */
  Optional<Yardstick> yardstick(Digest blob) {
    Map<String, Double> done = completed.get(blob);
    if (done == null || done.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        yardsticks.computeIfAbsent(
            blob,
            b -> {
              double[] rates =
                  Stream.concat(
                          done.values().stream(),
                          receiving.getOrDefault(b, Map.of()).values().stream()
                              .filter(r -> done.containsKey(r.source()))
                              .map(Receiving::bytesPerSecond))
                      .mapToDouble(Double::doubleValue)
                      .sorted()
                      .toArray();
              return new Yardstick(rates[rates.length / 2], rates.length);
            }));
  }
}
