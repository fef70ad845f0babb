package io.dockmaster.distribution;

import io.dockmaster.registry.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes of a chain fall behind the node they receive from. In a chain every node reads its
 * source no faster than the node after it takes the bytes, so a node on a slow link in the middle
 * paces every node behind it, and their intakes all look alike: the median node's is the slow one's
 * once half the chain is behind it, and judging a node's rate against its source's over a few
 * seconds found nodes that were not slow (in the lab, 5–12 per run). What does tell is the gap: the
 * bytes of the run's blobs the source holds and the node lacks. A source keeps pace with the node
 * it serves for a few seconds (the agents' relay pacing) and then lets it go, so a node that keeps
 * up stays a few MiB behind, and one that cannot falls further behind by the difference of their
 * rates, across the blobs of the sequence, as its source goes on to the next. A node whose gap grew
 * within {@link #WINDOW}, while it received from the same source, by half of what that source took
 * in ({@link #SLOWER_THAN}) and by {@link #FELL_BEHIND} at least is slow for the rest of the run:
 * the chain puts it last, where it holds back no one.
 *
 * <p>An agent reports when a transfer starts or ends, and otherwise every few seconds, so the last
 * report of a node may be seconds old. Each node's holdings are therefore kept as samples, taken in
 * the round that first saw them change, and the growth is about a lower bound: the node is judged
 * in a round that saw its own holdings change (so they are about a round old), from an earlier such
 * round at least {@link #MEASURABLE} before; the source is counted at its last sample now, which it
 * has at least, against its first sample at or after that earlier round, which it had at most then
 * (give or take the round it took to be seen, a small share of the window). A node is judged only
 * while it is its source's one receiver taking bytes: two share the source's upload; and not over a
 * window in which its transfers held their sources back for its own relays for more than {@link
 * #HELD_BACK}: a node waiting for a slow node after it takes in at that node's pace. Nodes of
 * different platforms want different blobs and are not compared, so in a mirror of several
 * platforms only nodes of one platform are judged against each other.
 */
final class ChainGaps {

  private static final Logger log = LoggerFactory.getLogger(ChainGaps.class);

  /**
   * How much further behind its source a node must fall within one window to be slow, at least:
   * several times the agents' relay window (4 MiB) and what is in flight between them.
   */
  static final long FELL_BEHIND = 16L << 20;

  /**
   * How much slower than its source a node must take in over the window: by half of what the source
   * took in, as {@link LaggingRelays#SLOWER_THAN} judges relays. Relative, so that on fast links a
   * node a little slower is not a finding however many MiB that adds up to, and the seconds a
   * report may be old are worth a share of the window, not a fixed number of bytes.
   */
  static final double SLOWER_THAN = LaggingRelays.SLOWER_THAN;

  /** The shortest time over which a gap's growth is judged. */
  static final Duration MEASURABLE = LaggingRelays.MEASURABLE;

  /** The longest: a node a little slower than its source over a long run is not a finding. */
  static final Duration WINDOW = Duration.ofSeconds(20);

  /**
   * How long a node's transfers may have held their sources back for its own relays within a window
   * and still be judged: a node waiting for a slow node after it takes in slowly, and its source
   * runs ahead of it, without its own link being slow.
   */
  static final Duration HELD_BACK = Duration.ofSeconds(1);

  /**
   * Bytes of the run's blobs a node held, as first seen in the round at {@code at}, and how long
   * its transfers had held their sources back for its relays by then, in all.
   */
  private record Sample(Instant at, long held, long heldBackMillis) {}

  /** A node's source and the round that first saw it receive from there. */
  private record Pairing(String source, Instant since) {}

  private final String mirror;
  private final Map<String, Deque<Sample>> samples = new HashMap<>();
  private final Map<String, Pairing> pairings = new HashMap<>();
  private final Set<String> behind = new HashSet<>();
  private final Map<String, Map<Digest, Long>> heldBackByTransfer = new HashMap<>();
  private final Map<String, Long> heldBack = new HashMap<>();

  ChainGaps(String mirror) {
    this.mirror = mirror;
  }

  /**
   * Notes this round's holdings and judges the chained nodes; returns every node of the run found
   * behind so far.
   */
  Set<String> judge(Map<String, NodeHoldings> holdings, Set<String> chained, Instant now) {
    Set<String> moved = new HashSet<>();
    Map<String, Integer> receivers = new HashMap<>();
    holdings.forEach(
        (node, held) -> {
          if (sample(node, held.held, heldBack(node, held), now)) {
            moved.add(node);
          }
          activeSource(held).ifPresent(source -> receivers.merge(source, 1, Integer::sum));
        });
    for (String node : chained) {
      NodeHoldings own = holdings.get(node);
      if (own == null || behind.contains(node)) {
        continue;
      }
      Optional<String> source = activeSource(own);
      if (source.isEmpty()) {
        // Between two blobs, or fetching from the registry: its pairing still holds.
        continue;
      }
      Pairing pairing = pairings.get(node);
      if (pairing == null || !pairing.source().equals(source.get())) {
        pairings.put(node, new Pairing(source.get(), now));
        continue;
      }
      NodeHoldings theirs = holdings.get(source.get());
      // A source sending to two nodes at once gives each part of its upload, and both fall behind
      // what it takes in without being slow.
      if (theirs != null
          && moved.contains(node)
          && receivers.get(source.get()) == 1
          && theirs.wantedUnits.equals(own.wantedUnits)) {
        judge(node, source.get(), pairing.since(), now);
      }
    }
    Set<String> present = new HashSet<>(behind);
    present.retainAll(holdings.keySet());
    return present;
  }

  /**
   * Adds a sample if the node's holdings changed. A node that lost bytes (a copy dropped, a partial
   * blob deleted by a restart) starts over, and so do the pairings of the nodes it serves: what it
   * takes in again they may hold already.
   */
  private boolean sample(String node, long held, long heldBackMillis, Instant now) {
    Deque<Sample> kept = samples.computeIfAbsent(node, n -> new ArrayDeque<>());
    Sample last = kept.peekLast();
    if (last != null && last.held() == held) {
      return false;
    }
    if (last != null && last.held() > held) {
      kept.clear();
      pairings.values().removeIf(pairing -> pairing.source().equals(node));
    }
    kept.addLast(new Sample(now, held, heldBackMillis));
    Instant oldest = now.minus(WINDOW).minus(MEASURABLE);
    while (kept.size() > 1 && kept.peekFirst().at().isBefore(oldest)) {
      kept.removeFirst();
    }
    return true;
  }

  private void judge(String node, String source, Instant since, Instant now) {
    Deque<Sample> own = samples.get(node);
    Deque<Sample> theirs = samples.get(source);
    Sample last = own.peekLast();
    Sample sourceNow = theirs.peekLast();
    Instant from = since.isAfter(now.minus(WINDOW)) ? since : now.minus(WINDOW);
    for (Sample start : own) {
      if (start.at().isBefore(from)) {
        continue;
      }
      if (Duration.between(start.at(), now).compareTo(MEASURABLE) < 0) {
        return;
      }
      if (last.heldBackMillis() - start.heldBackMillis() > HELD_BACK.toMillis()) {
        continue;
      }
      Optional<Sample> sourceThen = firstFrom(theirs, start.at());
      if (sourceThen.isEmpty()) {
        // Nothing new of the source since: it holds all it did then, and the node is catching up.
        return;
      }
      // A node cannot take what its source lacks: where the source was behind it (it lost bytes
      // and takes them in again), the node falls behind only from level.
      long gapThen = Math.max(0, sourceThen.get().held() - start.held());
      long gapNow = sourceNow.held() - last.held();
      long sourceGained = sourceNow.held() - sourceThen.get().held();
      long fell = gapNow - gapThen;
      if (fell >= FELL_BEHIND && fell * SLOWER_THAN > sourceGained) {
        found(node, source, start, last, fell);
        return;
      }
    }
  }

  private static Optional<Sample> firstFrom(Deque<Sample> samples, Instant at) {
    for (Sample sample : samples) {
      if (!sample.at().isBefore(at)) {
        return Optional.of(sample);
      }
    }
    return Optional.empty();
  }

  private void found(String node, String source, Sample start, Sample last, long fell) {
    behind.add(node);
    pairings.remove(node);
    double seconds = Duration.between(start.at(), last.at()).toMillis() / 1000.0;
    log.info(
        "mirror {}: node {} fell {} MiB further behind {}, which it receives from, in {} s (taking"
            + " in {} MB/s): it goes to the end of the chain, and the node after it continues from"
            + " one before it",
        mirror,
        node,
        fell >> 20,
        source,
        "%.1f".formatted(seconds),
        "%.2f".formatted((last.held() - start.held()) / seconds / 1e6));
  }

  /**
   * How long the node's transfers have held their sources back for its relays, in all, counting
   * each transfer's growth since the last round: a transfer that ends takes its count with it.
   */
  private long heldBack(String node, NodeHoldings holdings) {
    Map<Digest, Long> before = heldBackByTransfer.getOrDefault(node, Map.of());
    long total = heldBack.getOrDefault(node, 0L);
    for (Map.Entry<Digest, Long> transfer : holdings.heldBackMillis.entrySet()) {
      total += Math.max(0, transfer.getValue() - before.getOrDefault(transfer.getKey(), 0L));
    }
    heldBackByTransfer.put(node, Map.copyOf(holdings.heldBackMillis));
    heldBack.put(node, total);
    return total;
  }

  /**
   * The peer the node takes bytes from now: the source of its transfer furthest along, if that has
   * begun; none while it fetches from the registry or waits between blobs.
   */
  private static Optional<String> activeSource(NodeHoldings node) {
    Source furthest = null;
    long most = 0;
    for (Map.Entry<Digest, Source> transfer : node.receiving.entrySet()) {
      long received = node.received.getOrDefault(transfer.getKey(), 0L);
      if (received > most) {
        most = received;
        furthest = transfer.getValue();
      }
    }
    return furthest == null || furthest.isUpstream()
        ? Optional.empty()
        : Optional.of(furthest.node());
  }
}
