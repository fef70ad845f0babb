package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.AgentReport;
import io.dockmaster.control.PinSet;
import io.dockmaster.status.ErrorMessages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * What every agent of one run holds: from the {@link InventoryWatch} where nothing changed since,
 * else asked now. Pins go first to an agent process that has not had them (a restart lost them),
 * and the agents' byte counters are kept so the run can tell what came from upstream and peers.
 */
final class RunInventory implements AutoCloseable {

  /** How long an agent holds the watch's request while nodes still lack blobs, and after. */
  static final Duration ACTIVE_WATCH = Duration.ofSeconds(5);

  static final Duration IDLE_WATCH = Duration.ofSeconds(30);

  private final DistributionTarget target;
  private final AgentCalls calls;
  private final DistributionMetrics metrics;
  private final RecentProblems problems;
  private final InventoryWatch watch;

  /** Node → start time of the agent process that holds this run's pins. */
  private final Map<String, Optional<Instant>> pinned = new ConcurrentHashMap<>();

  private final Map<String, long[]> baselines = new ConcurrentHashMap<>();
  private final Map<String, long[]> latest = new ConcurrentHashMap<>();

  private final Function<AgentLease, List<String>> unitNames;

  /**
   * @param complete whether the run's nodes are all complete: agents then hold requests longer
   * @param unitNames what to ask an agent about: the names of the units its node needs
   */
  RunInventory(
      DistributionTarget target,
      AgentCalls calls,
      DistributionMetrics metrics,
      RecentProblems problems,
      Runnable onAgentChange,
      BooleanSupplier complete,
      Function<AgentLease, List<String>> unitNames) {
    this.target = target;
    this.unitNames = unitNames;
    this.calls = calls;
    this.metrics = metrics;
    this.problems = problems;
    this.watch =
        new InventoryWatch(
            calls.control(),
            metrics,
            onAgentChange,
            () -> complete.getAsBoolean() ? IDLE_WATCH : ACTIVE_WATCH);
  }

  /** Reports by node of the agents that answered or are watched; the others become problems. */
  Map<String, AgentReport> read(Collection<AgentLease> agents) {
    watch.retain(
        agents.stream().map(AgentLease::node).collect(java.util.stream.Collectors.toSet()));
    Map<String, AgentReport> reports = new HashMap<>();
    List<AgentLease> toAsk = new ArrayList<>();
    for (AgentLease agent : agents) {
      Optional<AgentReport> known =
          pinned(agent) ? watch.current(agent, unitNames.apply(agent)) : Optional.empty();
      known.ifPresentOrElse(report -> reports.put(agent.node(), report), () -> toAsk.add(agent));
    }
    reports.putAll(
        calls.forEach(
            toAsk,
            agent -> {
              List<String> names = unitNames.apply(agent);
              if (!pinned(agent)) {
                calls
                    .control()
                    .pin(
                        agent,
                        target.owner(),
                        new PinSet(
                            digestsFor(agent),
                            target.uploadBytesPerSecond(),
                            target.downloadBytesPerSecond()));
                pinned.put(agent.node(), Optional.ofNullable(agent.started()));
              }
              metrics.inventory("asked");
              AgentReport report = calls.control().inventory(agent, names);
              watch.observed(agent, names, report);
              return report;
            },
            (agent, e) ->
                problems.add(
                    agent.node(),
                    null,
                    "AgentUnreachable",
                    "agent did not answer: " + ErrorMessages.of(e))));
    reports.forEach(
        (node, report) -> {
          long[] counters = {report.bytesFromUpstream(), report.bytesFromPeers()};
          baselines.putIfAbsent(node, counters);
          latest.put(node, counters);
        });
    return reports;
  }

  /** The agent answered orders with this report. */
  void ordered(AgentLease agent, AgentReport answer) {
    watch.ordered(agent.node(), answer);
  }

  long bytesFromUpstream() {
    return sumDelta(0);
  }

  long bytesFromPeers() {
    return sumDelta(1);
  }

  @Override
  public void close() {
    watch.close();
  }

  /** Whether the agent process running now has this run's pins. */
  private boolean pinned(AgentLease agent) {
    return Optional.ofNullable(agent.started()).equals(pinned.get(agent.node()));
  }

  private List<String> digestsFor(AgentLease agent) {
    return target.blobsFor(agent.platform()).stream()
        .map(b -> b.descriptor().digest().toString())
        .toList();
  }

  private long sumDelta(int index) {
    long sum = 0;
    for (Map.Entry<String, long[]> entry : latest.entrySet()) {
      long[] base = baselines.get(entry.getKey());
      sum += Math.max(0, entry.getValue()[index] - base[index]);
    }
    return sum;
  }
}
