package io.dockmaster.distribution;

import io.dockmaster.control.AgentLease;
import io.dockmaster.control.AgentReport;
import io.dockmaster.control.TransferOrder;
import io.dockmaster.control.TransferSource;
import io.dockmaster.registry.Digest;
import io.dockmaster.status.ErrorMessages;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Drives one mirror's blobs onto its nodes, one round at a time: ask every agent what it holds,
 * plan what is missing, order the transfers (roots of each tree first, so a peer is already
 * receiving when its children ask it), and report progress. Failures need no special path: a failed
 * or orphaned transfer shows up as a missing blob in the next round and is planned again, from a
 * source that is still there; a source that sent corrupt bytes is not used for that blob until it
 * has re-checked its copy (see {@link SuspectSources}).
 */
final class DistributionRun implements AutoCloseable {

  private final DistributionTarget target;
  private final DistributionPlanner planner;
  private final AgentCalls calls;
  private final DistributionMetrics metrics;
  private final Clock clock;
  private final Instant started;
  private final SuspectSources suspects = new SuspectSources();
  private final SlowNodes slowNodes;
  private final ChainHeads chainHeads;
  private final RunInventory inventory;
  private final RecentProblems problems;
  private final NodeHoldings.Reader holdingsReader;
  private final SlowReceiverOrders slowReceivers = new SlowReceiverOrders();

  /** Decided with the first agents seen: pieces only if every one of them takes them. */
  private volatile PlanUnits units;

  private long planned;
  private volatile boolean retriedFailures;
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
    this.problems = new RecentProblems(clock);
    LaggingRelays lagging =
        new LaggingRelays(
            target.name(), metrics, key -> units == null ? key.shortForm() : units.labelOf(key));
    this.slowNodes = new SlowNodes(target.name(), planner, lagging, metrics);
    this.chainHeads = new ChainHeads(target.name());
    this.holdingsReader = new NodeHoldings.Reader(suspects, lagging, metrics, problems);
    this.inventory =
        new RunInventory(
            target,
            calls,
            metrics,
            problems,
            onAgentChange,
            () -> progress.map(DistributionProgress::isComplete).orElse(false),
            agent -> units.namesFor(agent.platform()));
  }

  DistributionTarget target() {
    return target;
  }

  /**
   * Whether the last round ordered again a blob whose transfer had failed: a registry that is down
   * or refusing fails them at once, so such rounds should not follow every change.
   */
  boolean retriedFailures() {
    return retriedFailures;
  }

  /** Empty until the first round has asked the agents. */
  Optional<DistributionProgress> progress() {
    return progress;
  }

  /** One round against the agents alive now. */
  synchronized DistributionProgress round(List<AgentLease> agents) {
    if (units == null && !agents.isEmpty()) {
      units =
          agents.stream().allMatch(AgentLease::takesPieces)
              ? PlanUnits.inPieces(target)
              : PlanUnits.whole(target);
    }
    // Until an agent is seen nothing is planned or decided; the round only reports that.
    return round(agents, units != null ? units : PlanUnits.whole(target));
  }

  /** {@code unitsNow} is the run's units once decided; the methods below read the field. */
  private DistributionProgress round(List<AgentLease> agents, PlanUnits unitsNow) {
    Map<String, AgentLease> byNode = new LinkedHashMap<>();
    Set<String> platforms = new java.util.TreeSet<>();
    for (AgentLease agent : agents) {
      if (unitsNow.cutsAny() && !agent.takesPieces()) {
        problem(
            agent.node(),
            null,
            "AgentTooOld",
            "its agent does not take blob pieces, which this mirror's distribution uses;"
                + " upgrade the agent on this node");
      } else if (target.provides(agent.platform())) {
        byNode.put(agent.node(), agent);
        platforms.add(agent.platform());
      } else {
        problem(
            agent.node(),
            null,
            "PlatformNotProvided",
            "no image of this mirror provides " + agent.platform());
      }
    }
    Map<String, AgentReport> reports = inventory.read(byNode.values());
    suspects.collect().forEach(this::withheld);
    reports.values().forEach(suspects::noteReport);
    requestVerifications(byNode);
    Set<String> failedNodes = new HashSet<>(byNode.keySet());
    failedNodes.removeAll(reports.keySet());
    RoundOrders orders = new RoundOrders();
    long wanted = 0;
    long held = 0;
    int complete = 0;
    Map<String, Integer> completeByImage = new HashMap<>();
    Map<String, NodeHoldings> holdingsByNode = new HashMap<>();
    Instant seen = clock.instant();
    for (AgentLease agent : byNode.values()) {
      AgentReport report = reports.get(agent.node());
      if (report == null) {
        continue;
      }
      Map<Digest, WantedBlob> byDigest = unitsNow.unitsFor(agent.platform());
      NodeHoldings holdings = holdingsReader.read(agent.node(), report, byDigest, unitsNow, seen);
      holdingsByNode.put(agent.node(), holdings);
      wanted += holdings.wanted;
      held += holdings.held;
      for (String image : target.blobsByImage().keySet()) {
        Set<Digest> imageBlobs = unitsNow.unitsOf(target.imageBlobsFor(image, agent.platform()));
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
    }
    // Judged once every report is in: seeds are measured against each other.
    slowNodes.judge(unitsNow.groups(platforms), byNode.values(), holdingsByNode, seen);
    retriedFailures = false;
    for (BlobGroup group : unitsNow.groups(platforms)) {
      planned += plan(group, byNode, holdingsByNode, orders, seen);
    }
    Queue<AgentReport> answers = new ConcurrentLinkedQueue<>();
    calls.sendInWaves(
        orders,
        byNode,
        (agent, answer) -> {
          inventory.ordered(agent, answer);
          answers.add(answer);
        },
        this::orderFailed);
    // The new attempts show as started, so a failure of theirs counts as new even if no round
    // sees them in between (changes arrive in batches).
    answers.forEach(suspects::noteReport);
    int desired = byNode.size();
    if (desired > 0 && complete == desired && reports.size() == desired) {
      if (finished == null) {
        finished = clock.instant();
        metrics.finished(target.name(), java.time.Duration.between(started, finished));
      }
    } else {
      finished = null;
    }
    long fromUpstream = inventory.bytesFromUpstream();
    long fromPeers = inventory.bytesFromPeers();
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
            problems.list(),
            planned,
            started,
            Optional.ofNullable(finished));
    progress = Optional.of(now);
    return now;
  }

  /** Plans one group's blobs over the nodes of its platforms; returns the transfers ordered. */
  private int plan(
      BlobGroup group,
      Map<String, AgentLease> agents,
      Map<String, NodeHoldings> holdingsByNode,
      RoundOrders orders,
      Instant now) {
    List<AgentLease> members = group.members(agents.values(), holdingsByNode);
    Set<String> lastInChain =
        planner.chains(members.size())
            ? chainHeads.lastInChain(group, members, holdingsByNode, now)
            : Set.of();
    List<PlanNode> nodes = new ArrayList<>();
    for (AgentLease agent : members) {
      NodeHoldings holdings = holdingsByNode.get(agent.node());
      nodes.add(
          new PlanNode(
              agent.node(),
              agent.uploadBytesPerSecond(),
              agent.downloadBytesPerSecond(),
              holdings.complete,
              holdings.receiving,
              holdings.withheld,
              holdings.measuredSlow,
              holdings.received));
    }
    if (nodes.isEmpty()) {
      return 0;
    }
    Map<Digest, WantedBlob> byDigest = new HashMap<>();
    List<Blob> blobs = new ArrayList<>();
    for (WantedBlob blob : group.blobs()) {
      byDigest.put(blob.descriptor().digest(), blob);
      blobs.add(new Blob(blob.descriptor().digest(), blob.descriptor().size()));
    }
    long planStart = System.nanoTime();
    Plan plan =
        planner.plan(new PlanRequest(blobs, nodes, target.maxUpstreamStreams(), lastInChain));
    metrics.planned(plan.start().size(), System.nanoTime() - planStart);
    Map<String, Set<Digest>> plannedNow = new HashMap<>();
    Map<Transfer, Digest> waits = TransferSequence.waits(plan, nodes);
    orders.planned(plan.start(), !plan.sequence().isEmpty());
    for (Transfer transfer : plan.start()) {
      NodeHoldings holdings = holdingsByNode.get(transfer.node());
      retriedFailures |= holdings.failedBlobs.contains(transfer.blob().digest());
      plannedNow
          .computeIfAbsent(transfer.node(), n -> new HashSet<>())
          .add(transfer.blob().digest());
      if (holdings.measuredSlow) {
        slowReceivers.planned(transfer);
      }
      WantedBlob blob = byDigest.get(transfer.blob().digest());
      TransferOrder order = orderFor(transfer, blob, agents, holdings.measuredSlow);
      Digest behind = waits.get(transfer);
      orders.add(transfer, behind == null ? order : order.waitingBehind(units.nameOf(behind)));
    }
    for (PlanNode node : nodes) {
      if (node.measuredSlow()) {
        slowReceivers
            .toOrderAgain(
                node.name(),
                holdingsByNode.get(node.name()),
                plannedNow.getOrDefault(node.name(), Set.of()),
                byDigest,
                agents.keySet())
            .forEach(
                kept ->
                    orders.add(
                        kept, orderFor(kept, byDigest.get(kept.blob().digest()), agents, true)));
      }
    }
    return plan.start().size();
  }

  /**
   * Asks each suspect source that is alive to re-check its copies, in the background: hashing big
   * blobs takes a while.
   */
  private void requestVerifications(Map<String, AgentLease> alive) {
    suspects
        .takeVerifications(alive.keySet())
        .forEach(
            (node, request) ->
                calls.inBackground(
                    alive.get(node),
                    agent -> calls.control().verify(agent, request),
                    checks -> suspects.verified(node, checks),
                    (agent, e) -> {
                      suspects.verificationFailed(node, request.digests());
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
        units.nameOf(source.blob()),
        "CorruptSource",
        "peers received bytes of this blob from it that did not match the digest "
            + source.strikes()
            + " times while its own copy checks out, so it no longer serves this blob to peers;"
            + " look for faulty memory or network hardware on this node");
  }

  private TransferOrder orderFor(
      Transfer transfer, WantedBlob unit, Map<String, AgentLease> agents, boolean slowReceiver) {
    TransferSource source =
        transfer.source().isUpstream()
            ? TransferSource.upstream(target.upstream())
            : TransferSource.peer(
                transfer.source().node(), agents.get(transfer.source().node()).endpoint());
    Digest key = transfer.blob().digest();
    WantedBlob blob = units.blobToOrder(key, unit);
    return new TransferOrder(
        blob.descriptor().digest().toString(),
        blob.descriptor().size(),
        blob.descriptor().mediaType(),
        blob.repository(),
        source,
        target.owner(),
        slowReceiver,
        units.piece(key).orElse(null));
  }

  private void orderFailed(AgentLease agent, Exception e) {
    slowReceivers.orderFailed(agent.node());
    problem(
        agent.node(),
        null,
        "AgentUnreachable",
        "could not order transfers: " + ErrorMessages.of(e));
  }

  /** Called from agent-call threads too: the problem list locks itself, not the run. */
  private void problem(String node, String blob, String reason, String message) {
    problems.add(node, blob, reason, message);
  }

  /** Stops watching the agents; the run is replaced or its mirror gone. */
  @Override
  public void close() {
    inventory.close();
  }
}
