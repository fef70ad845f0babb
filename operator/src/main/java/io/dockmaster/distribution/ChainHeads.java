package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.registry.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves each chain's first node to the end of the chain once per run, after it has fetched from the
 * registry for {@link #MOVED_AFTER}. The first node of a chain fetches every blob from the registry
 * and every node after it takes in at its pace, so a first node on a slow link paces the whole
 * chain, and nothing measures it: its one source is the registry, whose rate is unknown, and every
 * other node keeps pace with it. At the end of the chain it receives from the node before it, which
 * {@link ChainGaps} judges it against, and paces no one; the node after it takes the registry
 * stream over where it is. A first node that is not slow costs the move: the registry sends again
 * the bytes the new first node lacked of what the old one had (a hop's lag), and the moved node
 * waits for the chain's last node to catch up with it, while the others go on.
 *
 * <p>Only once per chain: the new first node was judged against the old one before the move, and
 * moving on would cost the move every time.
 */
final class ChainHeads {

  private static final Logger log = LoggerFactory.getLogger(ChainHeads.class);

  /** How long a chain's first node fetches before it is moved: as long as a seed is measured. */
  static final Duration MOVED_AFTER = LaggingRelays.SEED_MEASURABLE;

  /** The node fetching a chain's blobs from the registry, since when, and what it held then. */
  private record Head(String node, Instant since, long held) {}

  private final String mirror;
  private final Map<Set<String>, Head> heads = new HashMap<>();
  private final Map<Set<String>, String> moved = new HashMap<>();

  ChainHeads(String mirror) {
    this.mirror = mirror;
  }

  /**
   * Notes which node of a group's chain fetches from the registry this round; returns the node
   * moved to the end of the chain, now or earlier in the run (none if it has not moved one), whose
   * registry streams of the group's blobs it withholds, so that they are handed over.
   *
   * @param members the chain's nodes, each with holdings this round
   */
  Set<String> lastInChain(
      BlobGroup group, List<AgentLease> members, Map<String, NodeHoldings> holdings, Instant now) {
    Set<Digest> units = new HashSet<>();
    group.blobs().forEach(blob -> units.add(blob.descriptor().digest()));
    List<String> names = members.stream().map(AgentLease::node).sorted().toList();
    Optional<String> last = judge(group.platforms(), names, units, holdings, now);
    last.map(holdings::get).ifPresent(moved -> handOverRegistryStreams(moved, units));
    return last.map(Set::of).orElse(Set.of());
  }

  private Optional<String> judge(
      Set<String> group,
      List<String> members,
      Set<Digest> units,
      Map<String, NodeHoldings> holdings,
      Instant now) {
    String done = moved.get(group);
    if (done != null || members.size() < 2) {
      return Optional.ofNullable(done);
    }
    String fetching = null;
    for (String node : members) {
      NodeHoldings own = holdings.get(node);
      if (own != null && fetchesFromRegistry(own, units)) {
        fetching = node;
        break;
      }
    }
    Head head = heads.get(group);
    if (fetching == null) {
      heads.remove(group);
      return Optional.empty();
    }
    long held = holdings.get(fetching).held;
    if (head == null || !head.node().equals(fetching)) {
      heads.put(group, new Head(fetching, now, held));
      return Optional.empty();
    }
    Duration fetched = Duration.between(head.since(), now);
    if (fetched.compareTo(MOVED_AFTER) < 0) {
      return Optional.empty();
    }
    moved.put(group, fetching);
    double seconds = fetched.toMillis() / 1000.0;
    log.info(
        "mirror {}: node {}, first in its chain, fetched from the registry for {} s at {} MB/s, the"
            + " pace of every node after it, which nothing measures: it goes to the end of the"
            + " chain, where it is judged against the node before it, and the node after it takes"
            + " the registry stream over",
        mirror,
        fetching,
        "%.1f".formatted(seconds),
        "%.2f".formatted((held - head.held()) / seconds / 1e6));
    return Optional.of(fetching);
  }

  private static void handOverRegistryStreams(NodeHoldings moved, Set<Digest> units) {
    moved.receiving.forEach(
        (unit, source) -> {
          if (source.isUpstream() && units.contains(unit)) {
            moved.withheld.add(unit);
          }
        });
  }

  private static boolean fetchesFromRegistry(NodeHoldings node, Set<Digest> units) {
    for (Map.Entry<Digest, Source> transfer : node.receiving.entrySet()) {
      if (transfer.getValue().isUpstream() && units.contains(transfer.getKey())) {
        return true;
      }
    }
    return false;
  }
}
