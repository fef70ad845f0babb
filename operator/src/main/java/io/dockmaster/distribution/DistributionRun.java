package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.AgentReport;
import io.dockmaster.control.BlobState;
import io.dockmaster.control.PinSet;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import io.dockmaster.distribution.DistributionProgress.NodeProblem;
import io.dockmaster.registry.Digest;
import io.dockmaster.status.ErrorMessages;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drives one mirror's blobs onto its nodes, one round at a time: ask every agent what it holds,
 * plan what is missing, order the transfers (roots of each tree first, so a peer is already
 * receiving when its children ask it), and report progress. Failures need no special path: a failed
 * or orphaned transfer shows up as a missing blob in the next round and is planned again, from a
 * source that is still there; a source that sent corrupt bytes is not used for that blob until it
 * has re-checked its copy (see {@link SuspectSources}).
 */
final class DistributionRun implements AutoCloseable {

  private static final int MAX_PROBLEMS = 20;

  /** How long an agent holds the watch's request while nodes still lack blobs, and after. */
  static final Duration ACTIVE_WATCH = Duration.ofSeconds(5);

  static final Duration IDLE_WATCH = Duration.ofSeconds(30);

  private final DistributionTarget target;
  private final DistributionPlanner planner;
  private final AgentCalls calls;
  private final DistributionMetrics metrics;
  private final Clock clock;
  private final Instant started;
  private final Map<String, long[]> baselines = new ConcurrentHashMap<>();
  private final Map<String, long[]> latest = new ConcurrentHashMap<>();

  /** Node → start time of the agent process that holds this run's pins; a restart lost them. */
  private final Map<String, Optional<Instant>> pinned = new ConcurrentHashMap<>();

  private final SuspectSources suspects = new SuspectSources();
  private final InventoryWatch watch;
  private final Deque<NodeProblem> problems = new ArrayDeque<>();
  private final Set<String> reportedFailures = new HashSet<>();
  private final Map<String, Set<Digest>> completeBefore = new HashMap<>();
  private long planned;
  private Instant finished;
  private volatile Optional<DistributionProgress> progress = Optional.empty();

  DistributionRun(
      DistributionTarget target,
      DistributionPlanner planner,
      AgentCalls calls,
      DistributionMetrics metrics,
      Clock clock,
      Runnable onAgentChange) {
    this.target = target;
    this.planner = planner;
    this.calls = calls;
    this.metrics = metrics;
    this.clock = clock;
    this.started = clock.instant();
    this.watch =
        new InventoryWatch(
            calls.control(),
            metrics,
            onAgentChange,
            () ->
                progress.map(DistributionProgress::isComplete).orElse(false)
                    ? IDLE_WATCH
                    : ACTIVE_WATCH);
  }

  DistributionTarget target() {
    return target;
  }

  /** Empty until the first round has asked the agents. */
  Optional<DistributionProgress> progress() {
    return progress;
  }

  /** One round against the agents alive now. */
  synchronized DistributionProgress round(List<AgentLease> agents) {
    Map<String, AgentLease> byNode = new LinkedHashMap<>();
    Map<String, List<AgentLease>> byPlatform = new TreeMap<>();
    for (AgentLease agent : agents) {
      if (target.provides(agent.platform())) {
        byNode.put(agent.node(), agent);
        byPlatform.computeIfAbsent(agent.platform(), p -> new ArrayList<>()).add(agent);
      } else {
        problem(
            agent.node(),
            null,
            "PlatformNotProvided",
            "no image of this mirror provides " + agent.platform());
      }
    }
    watch.retain(byNode.keySet());
    Map<String, AgentReport> reports = inventory(byNode.values());
    suspects.collect().forEach(this::withheld);
    reports.values().forEach(suspects::noteReport);
    requestVerifications(byNode);
    Set<String> failedNodes = new HashSet<>(byNode.keySet());
    failedNodes.removeAll(reports.keySet());
    Map<Integer, Map<String, List<TransferOrder>>> waves = new HashMap<>();
    long wanted = 0;
    long held = 0;
    int complete = 0;
    Map<String, Integer> completeByImage = new HashMap<>();
    for (Map.Entry<String, List<AgentLease>> group : byPlatform.entrySet()) {
      List<WantedBlob> blobs = target.blobsFor(group.getKey());
      Map<Digest, WantedBlob> byDigest = new LinkedHashMap<>();
      blobs.forEach(b -> byDigest.put(b.descriptor().digest(), b));
      List<PlanNode> nodes = new ArrayList<>();
      for (AgentLease agent : group.getValue()) {
        AgentReport report = reports.get(agent.node());
        if (report == null) {
          continue;
        }
        NodeHoldings holdings = holdings(agent.node(), report, byDigest);
        wanted += holdings.wanted;
        held += holdings.held;
        for (String image : target.blobsByImage().keySet()) {
          Set<Digest> imageBlobs = target.imageBlobsFor(image, agent.platform());
          if (!imageBlobs.isEmpty() && holdings.complete.containsAll(imageBlobs)) {
            completeByImage.merge(image, 1, Integer::sum);
          }
        }
        if (holdings.complete.size() == byDigest.size()) {
          complete++;
          failedNodes.remove(agent.node());
        } else if (holdings.failed) {
          failedNodes.add(agent.node());
        }
        nodes.add(
            new PlanNode(
                agent.node(),
                agent.uploadBytesPerSecond(),
                agent.downloadBytesPerSecond(),
                holdings.complete,
                holdings.receiving,
                holdings.withheld));
      }
      if (nodes.isEmpty()) {
        continue;
      }
      List<Blob> planBlobs =
          blobs.stream()
              .map(b -> new Blob(b.descriptor().digest(), b.descriptor().size()))
              .toList();
      long planStart = System.nanoTime();
      Plan plan = planner.plan(new PlanRequest(planBlobs, nodes, target.maxUpstreamStreams()));
      metrics.planned(plan.start().size(), System.nanoTime() - planStart);
      for (Transfer transfer : plan.start()) {
        WantedBlob blob = byDigest.get(transfer.blob().digest());
        waves
            .computeIfAbsent(transfer.depth(), d -> new LinkedHashMap<>())
            .computeIfAbsent(transfer.node(), n -> new ArrayList<>())
            .add(orderFor(transfer, blob, byNode));
        planned++;
      }
    }
    calls.sendInWaves(
        waves, byNode, (agent, answer) -> watch.ordered(agent.node(), answer), this::orderFailed);
    int desired = byNode.size();
    if (desired > 0 && complete == desired && reports.size() == desired) {
      if (finished == null) {
        finished = clock.instant();
        metrics.finished(target.name(), java.time.Duration.between(started, finished));
      }
    } else {
      finished = null;
    }
    long fromUpstream = sumDelta(0);
    long fromPeers = sumDelta(1);
    DistributionProgress now =
        new DistributionProgress(
            desired,
            complete,
            completeByImage,
            failedNodes.size(),
            wanted,
            held,
            fromUpstream,
            fromPeers,
            problemsSoFar(),
            planned,
            started,
            Optional.ofNullable(finished));
    progress = Optional.of(now);
    return now;
  }

  /**
   * Every agent's report: from the watch where nothing changed since, else asked now (which also
   * (re)starts watching it). Pins go first to an agent process that has not had them.
   */
  private Map<String, AgentReport> inventory(java.util.Collection<AgentLease> agents) {
    Map<String, AgentReport> reports = new HashMap<>();
    List<AgentLease> toAsk = new ArrayList<>();
    for (AgentLease agent : agents) {
      Optional<AgentReport> known =
          pinned(agent) ? watch.current(agent, digestsFor(agent)) : Optional.empty();
      known.ifPresentOrElse(report -> reports.put(agent.node(), report), () -> toAsk.add(agent));
    }
    reports.putAll(
        calls.forEach(
            toAsk,
            agent -> {
              List<String> digests = digestsFor(agent);
              if (!pinned(agent)) {
                calls
                    .control()
                    .pin(
                        agent,
                        target.owner(),
                        new PinSet(
                            digests,
                            target.uploadBytesPerSecond(),
                            target.downloadBytesPerSecond()));
                pinned.put(agent.node(), Optional.ofNullable(agent.started()));
              }
              metrics.inventory("asked");
              AgentReport report = calls.control().inventory(agent, digests);
              watch.observed(agent, digests, report);
              return report;
            },
            (agent, e) ->
                problem(
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

  /** Whether the agent process running now has this run's pins (a restart lost them). */
  private boolean pinned(AgentLease agent) {
    return Optional.ofNullable(agent.started()).equals(pinned.get(agent.node()));
  }

  private List<String> digestsFor(AgentLease agent) {
    return target.blobsFor(agent.platform()).stream()
        .map(b -> b.descriptor().digest().toString())
        .toList();
  }

  /** What one node holds, receives and lacks of the blobs its platform needs. */
  private static final class NodeHoldings {
    final Set<Digest> complete = new HashSet<>();
    final Map<Digest, Source> receiving = new HashMap<>();
    final Set<Digest> withheld = new HashSet<>();
    long wanted;
    long held;
    boolean failed;
  }

  private NodeHoldings holdings(String node, AgentReport report, Map<Digest, WantedBlob> blobs) {
    NodeHoldings holdings = new NodeHoldings();
    Map<Digest, BlobState> states = new HashMap<>();
    for (BlobState state : report.blobs()) {
      states.put(Digest.parse(state.digest()), state);
    }
    Set<Digest> before = completeBefore.computeIfAbsent(node, n -> new HashSet<>());
    for (WantedBlob blob : blobs.values()) {
      Digest digest = blob.descriptor().digest();
      long size = blob.descriptor().size();
      holdings.wanted += size;
      BlobState state = states.getOrDefault(digest, BlobState.absent(digest.toString()));
      if (state.phase() != BlobState.Phase.COMPLETE) {
        suspects.copyGone(digest, node);
      }
      switch (state.phase()) {
        case COMPLETE -> {
          holdings.held += size;
          if (!suspects.isSuspect(digest, node)) {
            holdings.complete.add(digest);
          }
          if (suspects.isWithheld(digest, node)) {
            holdings.withheld.add(digest);
          }
          if (before.add(digest)) {
            metrics.completed();
          }
        }
        case RECEIVING -> {
          holdings.held += Math.min(size, state.received());
          sourceOf(state.source()).ifPresent(s -> holdings.receiving.put(digest, s));
        }
        case FAILED -> {
          holdings.failed = true;
          problem(node, digest.toString(), state.failureReason(), state.failureMessage());
        }
        case ABSENT -> {}
      }
    }
    return holdings;
  }

  /**
   * Asks each suspect source that is alive to re-check its copies, in the background: hashing big
   * blobs takes a while.
   */
  private void requestVerifications(Map<String, AgentLease> alive) {
    suspects
        .takeVerifications(alive.keySet())
        .forEach(
            (node, digests) ->
                calls.inBackground(
                    alive.get(node),
                    agent -> calls.control().verify(agent, digests),
                    checks -> suspects.verified(node, checks),
                    (agent, e) -> {
                      suspects.verificationFailed(node, digests);
                      problem(
                          node,
                          null,
                          "AgentUnreachable",
                          "could not ask it to re-check blobs peers found corrupt: "
                              + ErrorMessages.of(e));
                    }));
  }

  private void withheld(SuspectSources.Withheld source) {
    problem(
        source.node(),
        source.blob().toString(),
        "CorruptSource",
        "peers received bytes of this blob from it that did not match the digest "
            + source.strikes()
            + " times while its own copy checks out, so it no longer serves this blob to peers;"
            + " look for faulty memory or network hardware on this node");
  }

  private static Optional<Source> sourceOf(String label) {
    if (label == null) {
      return Optional.empty();
    }
    if (label.equals(TransferSource.UPSTREAM_LABEL)) {
      return Optional.of(Source.UPSTREAM);
    }
    if (label.startsWith(TransferSource.PEER_LABEL_PREFIX)) {
      return Optional.of(Source.peer(label.substring(TransferSource.PEER_LABEL_PREFIX.length())));
    }
    return Optional.empty();
  }

  private TransferOrder orderFor(
      Transfer transfer, WantedBlob blob, Map<String, AgentLease> agents) {
    TransferSource source =
        transfer.source().isUpstream()
            ? TransferSource.upstream(target.upstream())
            : TransferSource.peer(
                transfer.source().node(), agents.get(transfer.source().node()).endpoint());
    return new TransferOrder(
        blob.descriptor().digest().toString(),
        blob.descriptor().size(),
        blob.descriptor().mediaType(),
        blob.repository(),
        source,
        target.owner());
  }

  private void orderFailed(AgentLease agent, Exception e) {
    problem(
        agent.node(),
        null,
        "AgentUnreachable",
        "could not order transfers: " + ErrorMessages.of(e));
  }

  /** Called from agent-call threads too, so it locks only the problem list, not the run. */
  private void problem(String node, String blob, String reason, String message) {
    synchronized (problems) {
      String key = node + "|" + blob + "|" + reason + "|" + message;
      if (reportedFailures.size() > 10 * MAX_PROBLEMS) {
        // Only recent repeats matter; forgetting old keys keeps memory flat on long runs.
        reportedFailures.clear();
      }
      if (!reportedFailures.add(key)) {
        return;
      }
      problems.addFirst(new NodeProblem(node, blob, reason, message, clock.instant()));
      while (problems.size() > MAX_PROBLEMS) {
        problems.removeLast();
      }
    }
  }

  private List<NodeProblem> problemsSoFar() {
    synchronized (problems) {
      return List.copyOf(problems);
    }
  }

  private long sumDelta(int index) {
    long sum = 0;
    for (Map.Entry<String, long[]> entry : latest.entrySet()) {
      long[] base = baselines.get(entry.getKey());
      sum += Math.max(0, entry.getValue()[index] - base[index]);
    }
    return sum;
  }

  /** Stops watching the agents; the run is replaced or its mirror gone. */
  @Override
  public void close() {
    watch.close();
  }

  /** The nodes this run pinned blobs on, so the pins can be released when the mirror goes. */
  Set<String> pinnedNodes() {
    return Set.copyOf(pinned.keySet());
  }
}
