package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.registry.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves each chain's first node to the end of the chain once per run, after it has fetched from the
 * registry for {@link #MOVED_AFTER}. The first node of a chain fetches every blob from the registry
 * and every node after it takes in at its pace, so a first node on a slow link paces the whole
 * chain, and nothing measures it: its one source is the registry, whose rate is unknown, and every
 * other node keeps pace with it. At the end of the chain it receives from the node before it, which
 * {@link ChainGaps} judges it against (if both are of one platform), and holds back only that node,
 * for the few seconds a blob that relay pacing waits for a receiver; the node after it takes the
 * registry stream over where it is. A first node that is not slow costs the move: the registry
 * sends again the bytes the new first node lacked of what the old one had (a hop's lag), and the
 * moved node waits for the chain's last node to catch up with it, while the others go on.
 *
 * <p>Where that wait could be long (the last node more than {@link #LONGEST_WAIT} behind at the
 * chain's pace), the moved node keeps fetching the blob it has begun from the registry and hands
 * over only the ones after it: an agent cuts a source off that sends nothing for 30 s. Nor is it
 * moved while it fetches two blobs, the next begun before the last ended: that one it would ask of
 * the last node at once, which would start it early, and so on up the chain.
 *
 * <p>A node is moved at most once in a run, and only one that has received none of the chain's
 * blobs in the run from a peer that was receiving them too: the new first node was judged against
 * the old one before the move, and moving it as well would cost the move again. A node moved is
 * last in every chain it is in, and in the others keeps the blobs it has begun from the registry.
 */
final class ChainHeads {

  private static final Logger log = LoggerFactory.getLogger(ChainHeads.class);

  /** How long a chain's first node fetches before it is moved: as long as a seed is measured. */
  static final Duration MOVED_AFTER = LaggingRelays.SEED_MEASURABLE;

  /** The longest a moved node may wait for the last node, at the pace the chain had. */
  static final Duration LONGEST_WAIT = Duration.ofSeconds(15);

  /** The node fetching a chain's blobs from the registry, since when, and what it held then. */
  private record Head(String node, Instant since, long held) {}

  private final String mirror;
  private final Map<Set<String>, Head> heads = new HashMap<>();

  /**
   * A node moved: the units of the chain that moved it, and those of them it keeps fetching from
   * the registry. In other chains it is in, it keeps those it has begun.
   */
  private record Moved(Set<Digest> chainUnits, Set<Digest> kept) {
    boolean handsOver(Digest unit, long received) {
      return chainUnits.contains(unit) ? !kept.contains(unit) : received == 0;
    }
  }

  private final Map<String, Moved> moved = new HashMap<>();

  /**
   * The units each node was seen receiving from a peer that was receiving them too: there it was
   * judged against its source. Not from a holder: a first node may take an old layer from one.
   */
  private final Map<String, Set<Digest>> fromPeers = new HashMap<>();

  ChainHeads(String mirror) {
    this.mirror = mirror;
  }

  /**
   * Notes which node of a group's chain fetches from the registry this round; returns the nodes of
   * the chain moved to its end in this run, now or before, whose registry streams of the group's
   * blobs it withholds, so that they are handed over.
   *
   * @param members the chain's nodes, each with holdings this round
   */
  Set<String> lastInChain(
      BlobGroup group, List<AgentLease> members, Map<String, NodeHoldings> holdings, Instant now) {
    Map<Digest, Long> units = new HashMap<>();
    group.blobs().forEach(blob -> units.put(blob.descriptor().digest(), blob.descriptor().size()));
    List<String> names = members.stream().map(AgentLease::node).sorted().toList();
    for (String node : names) {
      notePeerSources(node, holdings);
    }
    if (names.size() >= 2) {
      judge(group.platforms(), names, units, holdings, now);
    }
    Set<String> last = new HashSet<>(names);
    last.retainAll(moved.keySet());
    for (String node : last) {
      NodeHoldings own = holdings.get(node);
      if (own != null) {
        own.receiving.forEach(
            (unit, source) -> {
              long received = own.received.getOrDefault(unit, 0L);
              if (source.isUpstream()
                  && units.containsKey(unit)
                  && moved.get(node).handsOver(unit, received)) {
                own.withheld.add(unit);
              }
            });
      }
    }
    return last;
  }

  private void notePeerSources(String node, Map<String, NodeHoldings> holdings) {
    NodeHoldings own = holdings.get(node);
    if (own == null) {
      return;
    }
    own.receiving.forEach(
        (unit, source) -> {
          NodeHoldings peer = source.isUpstream() ? null : holdings.get(source.node());
          if (peer != null
              && !peer.complete.contains(unit)
              && own.received.getOrDefault(unit, 0L) > 0) {
            fromPeers.computeIfAbsent(node, n -> new HashSet<>()).add(unit);
          }
        });
  }

  /** Moves the chain's first node if it is due. */
  private void judge(
      Set<String> group,
      List<String> members,
      Map<Digest, Long> units,
      Map<String, NodeHoldings> holdings,
      Instant now) {
    String fetching = null;
    for (String node : members) {
      NodeHoldings own = holdings.get(node);
      if (own != null
          && !own.measuredSlow
          && !moved.containsKey(node)
          && !fromRegistry(own, units.keySet()).isEmpty()) {
        fetching = node;
        break;
      }
    }
    if (fetching == null
        || !Collections.disjoint(fromPeers.getOrDefault(fetching, Set.of()), units.keySet())) {
      heads.remove(group);
      return;
    }
    NodeHoldings head = holdings.get(fetching);
    Head seen = heads.get(group);
    if (seen == null || !seen.node().equals(fetching)) {
      heads.put(group, new Head(fetching, now, chainHeld(head, units)));
      return;
    }
    Duration fetched = Duration.between(seen.since(), now);
    Map<Digest, Long> begun = fromRegistry(head, units.keySet());
    begun.values().removeIf(has -> has == 0);
    if (fetched.compareTo(MOVED_AFTER) < 0 || begun.size() > 1) {
      return;
    }
    double bytesPerSecond = (chainHeld(head, units) - seen.held()) / (fetched.toMillis() / 1000.0);
    long lag = 0;
    for (Map.Entry<Digest, Long> unit : begun.entrySet()) {
      long has = unit.getValue();
      lag = has - furthestBehind(fetching, unit.getKey(), members, holdings).orElse(has);
    }
    boolean keepsBegun = lag > bytesPerSecond * LONGEST_WAIT.toSeconds();
    moved.put(
        fetching,
        new Moved(Set.copyOf(units.keySet()), keepsBegun ? Set.copyOf(begun.keySet()) : Set.of()));
    log.info(
        "mirror {}: node {}, first in its chain, took in {} MB/s over {} s of fetching from the"
            + " registry, the pace of every node after it, which nothing measures: it goes to the"
            + " end of the chain, where it is judged against the node before it, and the node after"
            + " it takes the registry stream over{}",
        mirror,
        fetching,
        "%.2f".formatted(bytesPerSecond / 1e6),
        "%.1f".formatted(fetched.toMillis() / 1000.0),
        keepsBegun
            ? " from the next blob on (the last node is %d MiB behind it in this one)"
                .formatted(lag >> 20)
            : "");
  }

  /** Bytes of the chain's units the node holds or has received. */
  private static long chainHeld(NodeHoldings node, Map<Digest, Long> units) {
    long held = 0;
    for (Map.Entry<Digest, Long> unit : units.entrySet()) {
      held +=
          node.complete.contains(unit.getKey())
              ? unit.getValue()
              : node.received.getOrDefault(unit.getKey(), 0L);
    }
    return held;
  }

  /**
   * The fewest bytes of the unit any other member not measured slow has; none if they all hold it.
   */
  private static OptionalLong furthestBehind(
      String head, Digest unit, List<String> members, Map<String, NodeHoldings> holdings) {
    OptionalLong least = OptionalLong.empty();
    for (String node : members) {
      NodeHoldings other = holdings.get(node);
      if (node.equals(head)
          || other == null
          || other.measuredSlow
          || other.complete.contains(unit)) {
        continue;
      }
      long has = other.received.getOrDefault(unit, 0L);
      least = OptionalLong.of(least.isEmpty() ? has : Math.min(least.getAsLong(), has));
    }
    return least;
  }

  /** The units of the chain the node fetches from the registry, with the bytes it has of each. */
  private static Map<Digest, Long> fromRegistry(NodeHoldings node, Set<Digest> units) {
    Map<Digest, Long> fetched = new HashMap<>();
    node.receiving.forEach(
        (unit, source) -> {
          if (source.isUpstream() && units.contains(unit)) {
            fetched.put(unit, node.received.getOrDefault(unit, 0L));
          }
        });
    return fetched;
  }
}
