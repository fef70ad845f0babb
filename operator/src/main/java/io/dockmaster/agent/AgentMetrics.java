package io.dockmaster.agent;

import io.dockmaster.control.BlobCheck;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What an agent moved and from where. Byte counters double as the operator's source of "bytes from
 * upstream vs from peers": cumulative since start, so a run's share is a difference.
 */
final class AgentMetrics {

  /** Where bytes came from or went to. */
  enum Flow {
    UPSTREAM("upstream"),
    PEER("peer"),
    SERVED_TO_PEER("served_peer"),
    SERVED_TO_RUNTIME("served_runtime");

    final String tag;

    Flow(String tag) {
      this.tag = tag;
    }
  }

  private final MeterRegistry registry;
  private final AtomicLong fromUpstream = new AtomicLong();
  private final AtomicLong fromPeers = new AtomicLong();
  private final AtomicLong servedToPeers = new AtomicLong();
  private final Counter upstreamCounter;
  private final Counter peerCounter;
  private final Counter servedPeerCounter;
  private final Counter servedRuntimeCounter;
  private final Map<BlobCheck.Outcome, Counter> scrubBytes = new EnumMap<>(BlobCheck.Outcome.class);
  private final Counter scrubPasses;

  /** By kind (blob, manifest), then outcome (miss, hit). */
  private final Counter[][] runtimeLookups = new Counter[2][2];

  AgentMetrics(MeterRegistry registry, Supplier<Number> activeTransfers) {
    this.registry = registry;
    for (boolean manifest : new boolean[] {false, true}) {
      for (boolean hit : new boolean[] {false, true}) {
        runtimeLookups[manifest ? 1 : 0][hit ? 1 : 0] = runtimeLookups(manifest, hit);
      }
    }
    // Registered before any pass, so an alert on passes that stopped has a series to watch.
    for (BlobCheck.Outcome outcome : BlobCheck.Outcome.values()) {
      scrubBytes.put(
          outcome,
          Counter.builder("dockmaster.agent.scrub.bytes")
              .description(
                  "Bytes of complete blobs the periodic scrub re-hashed, by what it found;"
                      + " discarded blobs are fetched again")
              .baseUnit("bytes")
              .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
              .register(registry));
    }
    this.scrubPasses =
        Counter.builder("dockmaster.agent.scrub.passes")
            .description("Scrub passes over every complete blob in the cache that finished")
            .register(registry);
    this.upstreamCounter = bytes(Flow.UPSTREAM);
    this.peerCounter = bytes(Flow.PEER);
    this.servedPeerCounter = bytes(Flow.SERVED_TO_PEER);
    this.servedRuntimeCounter = bytes(Flow.SERVED_TO_RUNTIME);
    Gauge.builder("dockmaster.agent.transfers.active", activeTransfers)
        .description("Blob transfers in flight on this agent")
        .register(registry);
  }

  private Counter bytes(Flow flow) {
    return Counter.builder("dockmaster.agent.bytes")
        .description(
            "Blob bytes by flow: received from upstream or peers, served to peers or to the local"
                + " container runtime")
        .baseUnit("bytes")
        .tag("flow", flow.tag)
        .register(registry);
  }

  /** A scrub read this blob and found it {@code outcome}. */
  void scrubbed(BlobCheck.Outcome outcome, long bytes) {
    scrubBytes.get(outcome).increment(bytes);
  }

  void scrubPassFinished() {
    scrubPasses.increment();
  }

  void received(boolean fromUpstreamRegistry, long bytes) {
    if (fromUpstreamRegistry) {
      fromUpstream.addAndGet(bytes);
      upstreamCounter.increment(bytes);
    } else {
      fromPeers.addAndGet(bytes);
      peerCounter.increment(bytes);
    }
  }

  void served(boolean toPeer, long bytes) {
    if (toPeer) {
      servedToPeers.addAndGet(bytes);
      servedPeerCounter.increment(bytes);
    } else {
      servedRuntimeCounter.increment(bytes);
    }
  }

  /**
   * The local container runtime asked (GET or HEAD) for a manifest or blob: a hit is served from
   * this node's cache (a blob still arriving too), a miss answered 404 at once, so that the runtime
   * pulls it from the registry.
   */
  void runtimeLookup(boolean manifest, boolean hit) {
    runtimeLookups[manifest ? 1 : 0][hit ? 1 : 0].increment();
  }

  private Counter runtimeLookups(boolean manifest, boolean hit) {
    return Counter.builder("dockmaster.agent.runtime.lookups")
        .description(
            "Requests of the local container runtime for a manifest or blob, found in this node's"
                + " cache (hit) or not (miss, answered 404 so that it pulls from the registry)")
        .tag("kind", manifest ? "manifest" : "blob")
        .tag("outcome", hit ? "hit" : "miss")
        .register(registry);
  }

  /** A write stopped keeping pace with a peer relaying its blob: it stood still, or was slow. */
  void relayReleased(boolean still) {
    Counter.builder("dockmaster.agent.relay.released")
        .description(
            "Peers relaying a blob that this agent's write stopped keeping pace with, by why")
        .tag("reason", still ? "still" : "slow")
        .register(registry)
        .increment();
  }

  void transferFinished(boolean fromUpstreamRegistry, String outcome, Duration took) {
    Timer.builder("dockmaster.agent.transfer.duration")
        .description("How long blob transfers took, by source and outcome")
        .tag("source", fromUpstreamRegistry ? "upstream" : "peer")
        .tag("outcome", outcome)
        .register(registry)
        .record(took);
  }

  long bytesFromUpstream() {
    return fromUpstream.get();
  }

  long bytesFromPeers() {
    return fromPeers.get();
  }

  long bytesServedToPeers() {
    return servedToPeers.get();
  }
}
