package io.dockmaster.distribution;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The operator's view of distribution: transfers planned and completed, planning cost, makespan.
 */
public final class DistributionMetrics {

  private final MeterRegistry registry;
  private final Counter planned;
  private final Counter completed;
  private final Counter slowRelays;
  private final Counter slowSeeds;
  private final Timer planning;
  private final Map<String, AtomicLong> makespanMillis = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> slowNodes = new ConcurrentHashMap<>();
  private final Map<String, Counter> inventories = new ConcurrentHashMap<>();
  private final Map<String, Counter> failedRounds = new ConcurrentHashMap<>();

  public DistributionMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.planned =
        Counter.builder("dockmaster.distribution.transfers.planned")
            .description("Blob transfers the planner ordered")
            .register(registry);
    this.completed =
        Counter.builder("dockmaster.distribution.transfers.completed")
            .description("Blobs that became complete on a node")
            .register(registry);
    this.slowRelays =
        Counter.builder("dockmaster.distribution.slow.relays")
            .description(
                "Nodes found receiving a blob at under half the rate of the fastest node, whose"
                    + " receivers were moved to other sources")
            .register(registry);
    this.slowSeeds =
        Counter.builder("dockmaster.distribution.slow.seeds")
            .description(
                "Nodes found fetching a blob from the registry at under a third of the rate of the"
                    + " fastest such node, whose registry stream another node took over")
            .register(registry);
    this.planning =
        Timer.builder("dockmaster.distribution.plan.duration")
            .description("Time to compute one plan")
            .register(registry);
  }

  void planned(int transfers, long nanos) {
    planned.increment(transfers);
    planning.record(nanos, TimeUnit.NANOSECONDS);
  }

  void completed() {
    completed.increment();
  }

  void slowRelay() {
    slowRelays.increment();
  }

  void slowSeed() {
    slowSeeds.increment();
  }

  /**
   * One inventory read from an agent: {@code asked} directly, or answered by a held request because
   * the agent {@code changed} or because its wait ended {@code unchanged}.
   */
  void inventory(String how) {
    inventories
        .computeIfAbsent(
            how,
            h ->
                Counter.builder("dockmaster.distribution.agent.inventories")
                    .description(
                        "Inventories read from agents: asked directly, or answered by a request the"
                            + " agent held until it changed or the wait ended")
                    .tag("how", h)
                    .register(registry))
        .increment();
  }

  /**
   * How many of a mirror's nodes the current run measures far slower than its median node, or, in a
   * chain, than the node they receive from.
   */
  void slowNodes(String mirror, int count) {
    perMirror(
            slowNodes,
            mirror,
            holder ->
                Gauge.builder("dockmaster.distribution.slow.nodes", holder, AtomicLong::get)
                    .description(
                        "Nodes taking in a mirror's blobs at under half the median node's rate,"
                            + " or in a chain at under half their source's, which the planner"
                            + " makes seeds and sources only where no other node can be"))
        .set(count);
  }

  /** The time from a run's start until its last node held every blob. */
  void finished(String mirror, Duration makespan) {
    perMirror(
            makespanMillis,
            mirror,
            holder ->
                Gauge.builder("dockmaster.distribution.makespan", holder, h -> h.get() / 1000.0)
                    .description(
                        "Seconds from the start of a mirror's last run until every node was"
                            + " complete")
                    .baseUnit("seconds"))
        .set(makespan.toMillis());
  }

  /** A round of the mirror threw: it ordered nothing, and the next one is tried as usual. */
  void roundFailed(String mirror) {
    failedRounds
        .computeIfAbsent(
            mirror,
            name ->
                Counter.builder("dockmaster.distribution.rounds.failed")
                    .description(
                        "Distribution rounds that failed before ordering anything; the mirror's"
                            + " status says why while they go on failing")
                    .tag("mirror", name)
                    .register(registry))
        .increment();
  }

  /** A deleted mirror's series go with it. */
  void forget(String mirror) {
    removeMeter(makespanMillis.remove(mirror), "dockmaster.distribution.makespan", mirror);
    removeMeter(slowNodes.remove(mirror), "dockmaster.distribution.slow.nodes", mirror);
    removeMeter(failedRounds.remove(mirror), "dockmaster.distribution.rounds.failed", mirror);
  }

  private void removeMeter(Object value, String name, String mirror) {
    if (value != null) {
      registry.find(name).tag("mirror", mirror).meters().forEach(registry::remove);
    }
  }

  /** The value behind one mirror's gauge, registered with the mirror's tag on first use. */
  private AtomicLong perMirror(
      Map<String, AtomicLong> values,
      String mirror,
      Function<AtomicLong, Gauge.Builder<AtomicLong>> gauge) {
    return values.computeIfAbsent(
        mirror,
        name -> {
          AtomicLong holder = new AtomicLong();
          gauge.apply(holder).tag("mirror", name).register(registry);
          return holder;
        });
  }
}
