package io.dockmaster.distribution;

import io.dockmaster.control.BlobState;
import io.dockmaster.registry.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes receive a blob so much slower than other nodes get it that the peers relaying from
 * them do better elsewhere. A relay's receivers get the blob no faster than it does; the planner
 * knows only the rates agents announce, so a node whose link, CPU or disk is slower without saying
 * so is placed like any other and its subtree crawls with it. What the run sees tells: a node that
 * has been receiving a blob for a while at less than half the rate nodes get it at (the median of
 * those that got it whole and those receiving it from a holder, see {@link RelayRates}) is withheld
 * as a source of it (see {@link PlanNode#withheld()}; the planner honours that only while a holder,
 * or nodes the blob's registry stream feeds, can serve instead), and its receivers continue from
 * other nodes where they are. Its own transfer goes on.
 *
 * <p>Rates are the bytes received between the round that first saw a node receiving a blob and the
 * round that saw it complete (or now), so a transfer that was partway when first seen (after an
 * operator restart, or continuing from another source) is measured from there, as coarsely as the
 * rounds come; a completion seen over less than {@link #MEASURABLE} is no yardstick, and a node is
 * judged only once it was seen receiving for that long.
 *
 * <p>A seed, fetching a blob from the registry, has no holder to be measured against until it is
 * done, and while it crawls its whole tree does. Seeds share the registry's uplink, so they are
 * measured against each other, each over the time its stream was not held back to the pace of the
 * peers relaying the blob from it (a seed whose tree is held to a slow receiver's pace fetches
 * slowly too; agents report how long, see {@link BlobState#heldMillis()}): a seed seen for {@link
 * #SEED_MEASURABLE} or more at under a third of the rate the median other seed fetching now got
 * (the fastest other node's seed of the run where fewer than three others fetch), held or not, is
 * withheld too (from an agent that does not report holding, only if its node also takes in all its
 * blobs together at under half the median node's rate), and the planner gives its registry stream
 * to another node (see {@link BlobTree}); it then receives the blob from a peer, continuing where
 * it is. The node taking over continues from the bytes it has, so the registry sends again only
 * what the slow seed had beyond them; a seed is measured from the round that first saw it fetching
 * from the registry, not from when it began receiving the blob from a peer, and at most {@link
 * #MAX_SLOW_SEEDS} seeds of a blob are replaced, so a blob the registry itself serves slowly is not
 * handed around for good.
 *
 * <p>The intakes that tell a slow seed from a held one (for agents that do not report holding) mark
 * nodes for the rest of the plan: a node that takes in all its blobs together at under half the
 * median node's rate is {@link PlanNode#measuredSlow()}, so the planner neither hands it a slow
 * seed's registry stream nor sends new receivers to it while another node can serve, though no blob
 * of its own was judged yet; and the run withholds it as a source of every blob it is receiving,
 * from a peer or the registry, since the yardsticks of a slow relay or seed may be far off.
 */
final class LaggingRelays {

  private static final Logger log = LoggerFactory.getLogger(LaggingRelays.class);

  /** Below this a duration between two rounds says little about a rate. */
  static final Duration MEASURABLE = Duration.ofSeconds(5);

  /** How many times slower than the median node a relay may be before its receivers move. */
  static final double SLOWER_THAN = 2.0;

  /**
   * How long a seed is watched before it is judged: seeds' shares of the registry's uplink swing
   * for a few seconds at a time (in the lab the slowest of five got half the fastest's over 10 s).
   */
  static final Duration SEED_MEASURABLE = Duration.ofSeconds(10);

  /**
   * How many times slower than its yardstick ({@link SeedRates}) a seed may be before another takes
   * over.
   */
  static final double SEED_SLOWER_THAN = 3.0;

  /**
   * The share of the median node's intake at which a node measured slow is planned like any other
   * again. Above the half at which it was found slow: intakes are averages since a node was first
   * seen, and in the lab nodes on a fifth of the others' link hovered at 0.5–0.6 of the median once
   * the full-rate nodes were done, passing back and forth across one threshold.
   */
  static final double RECOVERED_AT = 0.75;

  /** How many seeds of one blob may be found slow and replaced. */
  static final int MAX_SLOW_SEEDS = 3;

  /**
   * When a round first saw a node receiving a blob from its current source, and how much it had
   * then; and the same for its first source. A node moved to another source is judged from there:
   * one that crawled behind a slow relay would otherwise still look slow, and be withheld, after it
   * was moved to a fast one. Its completion is a yardstick for the others from its first sighting,
   * though: how fast a node got the blob whole, not how fast its last source was.
   */
  private record Sighting(
      Instant at,
      long received,
      Source source,
      Instant firstAt,
      long firstReceived,
      Long heldAt,
      Long heldNow) {

    static Sighting first(Instant at, long received, Source source, Long held) {
      return new Sighting(at, received, source, at, received, held, held);
    }

    Sighting movedTo(Source newSource, Instant now, long receivedNow, Long held) {
      return new Sighting(now, receivedNow, newSource, firstAt, firstReceived, held, held);
    }

    Sighting heldSoFar(Long held) {
      return new Sighting(at, received, source, firstAt, firstReceived, heldAt, held);
    }

    boolean fromRegistry() {
      return source.isUpstream();
    }

    /** Whether the node's agent says how long its transfer held the source back for its relays. */
    boolean holdingKnown() {
      return heldAt != null && heldNow != null;
    }

    /** Bytes per second from the current source to {@code now}, once {@code measurable} old. */
    OptionalDouble rate(long receivedNow, Instant now, Duration measurable) {
      return rate(at, received, receivedNow, now, measurable);
    }

    /** Bytes per second from the first sighting to {@code now}, once {@code measurable} old. */
    OptionalDouble rateSinceFirst(long receivedNow, Instant now, Duration measurable) {
      return rate(firstAt, firstReceived, receivedNow, now, measurable);
    }

    /**
     * Bytes per second from the current source over the time the transfer did not hold it back for
     * its relays, once {@link #SEED_MEASURABLE} old and free for {@link #MEASURABLE} of it: what
     * the node's own link and disk took, not its tree's pace.
     */
    OptionalDouble unheldRate(long receivedNow, Instant now) {
      Duration elapsed = Duration.between(at, now);
      long heldMillis = holdingKnown() ? Math.max(0, heldNow - heldAt) : 0;
      Duration free = elapsed.minusMillis(heldMillis);
      return elapsed.compareTo(SEED_MEASURABLE) < 0 || free.compareTo(MEASURABLE) < 0
          ? OptionalDouble.empty()
          : OptionalDouble.of((receivedNow - received) / seconds(free));
    }

    private static OptionalDouble rate(
        Instant from, long fromBytes, long receivedNow, Instant now, Duration measurable) {
      Duration elapsed = Duration.between(from, now);
      return elapsed.compareTo(measurable) < 0
          ? OptionalDouble.empty()
          : OptionalDouble.of((receivedNow - fromBytes) / seconds(elapsed));
    }
  }

  private final String mirror;
  private final DistributionMetrics metrics;
  private final Function<Digest, String> labels;
  private final Map<Digest, Map<String, Sighting>> firstSeen = new HashMap<>();
  private final RelayRates relayRates = new RelayRates();
  private final Set<String> announced = new HashSet<>();

  private final SeedRates seedRates = new SeedRates();

  /** When a node's bytes held of the run's blobs were first seen, and when they last changed. */
  private record Intake(Instant firstAt, long firstHeld, Instant lastAt, long lastHeld) {
    OptionalDouble bytesPerSecond() {
      Duration span = Duration.between(firstAt, lastAt);
      return span.compareTo(SEED_MEASURABLE) < 0
          ? OptionalDouble.empty()
          : OptionalDouble.of((lastHeld - firstHeld) / seconds(span));
    }
  }

  private static final Intake NOTHING_YET = new Intake(Instant.EPOCH, 0, Instant.EPOCH, 0);

  private final Map<String, Intake> intakes = new HashMap<>();
  private final Set<String> slowNodes = new HashSet<>();
  private double medianIntake;

  /** Per blob, the seeds found slow: withheld from serving it from then on. */
  private final Map<Digest, Set<String>> slowSeeds = new HashMap<>();

  /**
   * @param labels how log lines name a blob or piece by its key
   */
  LaggingRelays(String mirror, DistributionMetrics metrics, Function<Digest, String> labels) {
    this.mirror = mirror;
    this.metrics = metrics;
    this.labels = labels;
  }

  /**
   * Notes what one node's report said of one blob, {@code received} of {@code size} bytes from
   * {@code source} (only read while the node is receiving), whose transfer has held its source back
   * for {@code heldMillis} in all to the pace of the peers relaying the blob from it (null when the
   * agent does not say).
   */
  void observe(
      String node,
      Digest digest,
      BlobState.Phase phase,
      long received,
      long size,
      Source source,
      Long heldMillis,
      Instant now) {
    switch (phase) {
      case RECEIVING -> {
        Map<String, Sighting> nodes = firstSeen.computeIfAbsent(digest, d -> new HashMap<>());
        Sighting first = nodes.get(node);
        if (first == null) {
          first = Sighting.first(now, received, source, heldMillis);
        } else if (!first.source().equals(source)) {
          first = first.movedTo(source, now, received, heldMillis);
        } else {
          first = first.heldSoFar(heldMillis);
        }
        nodes.put(node, first);
        if (source.isUpstream()) {
          // The yardstick counts held time too: a seed held half the time may burst at twice the
          // registry's share while it runs, and one never held would look slow beside that.
          first
              .rate(received, now, SEED_MEASURABLE)
              .ifPresent(rate -> seedRates.measured(digest, node, rate));
          relayRates.stopped(digest, node);
        } else {
          seedRates.stopped(digest, node);
          OptionalDouble rate = first.rate(received, now, MEASURABLE);
          if (rate.isPresent()) {
            relayRates.receiving(digest, node, source.node(), rate.getAsDouble());
          } else {
            relayRates.stopped(digest, node);
          }
        }
      }
      case COMPLETE -> {
        Sighting first = forget(node, digest);
        OptionalDouble rate =
            first == null ? OptionalDouble.empty() : first.rateSinceFirst(size, now, MEASURABLE);
        if (rate.isPresent()) {
          relayRates.completed(digest, node, rate.getAsDouble());
        } else {
          relayRates.stopped(digest, node);
        }
      }
      // A transfer that failed or vanished starts its clock again when it is back.
      case ABSENT, FAILED -> {
        forget(node, digest);
        relayRates.stopped(digest, node);
      }
    }
  }

  /** Notes how many bytes of the run's blobs {@code node} holds, complete or in part. */
  void observeHeld(String node, long held, Instant now) {
    Intake intake = intakes.get(node);
    if (intake == null) {
      intakes.put(node, new Intake(now, held, now, held));
    } else if (held != intake.lastHeld()) {
      intakes.put(node, new Intake(intake.firstAt(), intake.firstHeld(), now, held));
    }
  }

  /**
   * Whether {@code node}, which has {@code received} bytes of the blob, receives it more than
   * {@link #SLOWER_THAN} times slower than nodes get it (see {@link RelayRates}), or was found a
   * slow seed of it.
   */
  boolean isLagging(String node, Digest digest, long received, boolean fromRegistry, Instant now) {
    if (slowSeeds.getOrDefault(digest, Set.of()).contains(node)) {
      return true;
    }
    if (fromRegistry) {
      return isSlowSeed(node, digest, received, now);
    }
    Optional<RelayRates.Yardstick> yardstick = relayRates.yardstick(digest);
    Sighting first = firstSeen.getOrDefault(digest, Map.of()).get(node);
    OptionalDouble measured =
        first == null ? OptionalDouble.empty() : first.rate(received, now, MEASURABLE);
    if (yardstick.isEmpty() || measured.isEmpty()) {
      return false;
    }
    double rate = measured.getAsDouble();
    double expected = yardstick.get().bytesPerSecond();
    boolean lagging = rate * SLOWER_THAN < expected;
    if (lagging && announced.add(node + "\u0000" + digest)) {
      metrics.slowRelay();
      log.info(
          "mirror {}: node {} receives {} at {} MB/s, under 1/{} of the {} MB/s the median of {}"
              + " nodes got it or gets it at: peers relaying it from {} continue from other nodes",
          mirror,
          node,
          labels.apply(digest),
          "%.2f".formatted(rate / 1e6),
          (int) SLOWER_THAN,
          "%.2f".formatted(expected / 1e6),
          yardstick.get().nodes(),
          node);
    }
    return lagging;
  }

  /**
   * A seed that, over the time no peer held its stream back, fetched at under a third of the rate
   * the fastest other node's seed fetched at (held or not; see {@link SeedRates}). An agent that
   * does not say how long it held back leaves the rate its tree's pace too, so its seed counts as
   * slow only if its node is measured slow as well.
   */
  private boolean isSlowSeed(String node, Digest digest, long received, Instant now) {
    Sighting first = firstSeen.getOrDefault(digest, Map.of()).get(node);
    Set<String> slow = slowSeeds.computeIfAbsent(digest, d -> new HashSet<>());
    if (first == null || !first.fromRegistry() || slow.size() >= MAX_SLOW_SEEDS) {
      return false;
    }
    OptionalDouble measured = first.unheldRate(received, now);
    double yardstick = seedRates.yardstick(node);
    if (measured.isEmpty() || measured.getAsDouble() * SEED_SLOWER_THAN >= yardstick) {
      return false;
    }
    if (!first.holdingKnown() && !slowNodes.contains(node)) {
      return false;
    }
    double rate = measured.getAsDouble();
    OptionalDouble own = intakes.getOrDefault(node, NOTHING_YET).bytesPerSecond();
    slow.add(node);
    metrics.slowSeed();
    log.info(
        "mirror {}: node {} fetches {} from the registry at {} MB/s while no peer holds it back,"
            + " under 1/{} of the {} MB/s {}{}: the registry"
            + " stream goes to another node where one can take it, and {} receives the blob from a"
            + " peer, continuing where it is",
        mirror,
        node,
        labels.apply(digest),
        "%.2f".formatted(rate / 1e6),
        (int) SEED_SLOWER_THAN,
        "%.2f".formatted(yardstick / 1e6),
        seedRates.describe(node),
        own.isEmpty()
            ? ""
            : ", and takes in all its blobs at %.2f MB/s against the median node's %.2f MB/s"
                .formatted(own.getAsDouble() / 1e6, medianIntake / 1e6),
        node);
    return true;
  }

  /**
   * Judges the intakes {@link #observeHeld} noted, once every report of a round is in: the nodes
   * that take in all their blobs together at under half the median node's rate, each measured over
   * {@link #SEED_MEASURABLE} or more, until they are back at {@link #RECOVERED_AT} of it. The
   * planner makes them seeds and sources only where no other node can be (see {@link
   * PlanNode#measuredSlow()}). The nodes of {@code slowAnyway} are planned as slow for another
   * reason, so what their intake says does not change how they are planned and is not logged as if
   * it did.
   */
  Set<String> judgeIntakes(Set<String> slowAnyway) {
    Map<String, Double> rates = new HashMap<>();
    intakes.forEach(
        (node, intake) -> intake.bytesPerSecond().ifPresent(rate -> rates.put(node, rate)));
    double[] sorted = rates.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
    medianIntake = sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    Set<String> slowBefore = Set.copyOf(slowNodes);
    slowNodes.clear();
    rates.forEach(
        (node, rate) -> {
          boolean wasSlow = slowBefore.contains(node);
          if (rate * 2 < medianIntake || wasSlow && rate < RECOVERED_AT * medianIntake) {
            slowNodes.add(node);
          }
          if (slowNodes.contains(node) != wasSlow && !slowAnyway.contains(node)) {
            log.info(
                "mirror {}: node {} takes in its blobs at {} MB/s against the median node's {}"
                    + " MB/s: {}",
                mirror,
                node,
                "%.2f".formatted(rate / 1e6),
                "%.2f".formatted(medianIntake / 1e6),
                slowNodes.contains(node)
                    ? "peers relaying from it continue from other nodes, its registry streams go"
                        + " to other nodes where one can take them, and it seeds and serves new"
                        + " receivers only where no other node can"
                    : "planned like any other node again");
          }
        });
    return Set.copyOf(slowNodes);
  }

  private Sighting forget(String node, Digest digest) {
    seedRates.stopped(digest, node);
    Map<String, Sighting> nodes = firstSeen.get(digest);
    return nodes == null ? null : nodes.remove(node);
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }
}
