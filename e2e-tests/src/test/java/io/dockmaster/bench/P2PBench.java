package io.dockmaster.bench;

import static io.dockmaster.bench.P2PBenchReport.last;
import static io.dockmaster.bench.P2PBenchReport.median;
import static io.dockmaster.bench.P2PBenchReport.nodeCount;
import static io.dockmaster.bench.P2PRunDiagnostics.awaitStatus;
import static io.dockmaster.bench.P2PRunDiagnostics.transferSummary;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.distribution.Blob;
import io.dockmaster.distribution.ChainOrTrees;
import io.dockmaster.distribution.PieceLayout;
import io.dockmaster.distribution.PlanNode;
import io.dockmaster.distribution.PlanRequest;
import io.dockmaster.e2e.lab.ConcurrentPull;
import io.dockmaster.e2e.lab.LabAgent;
import io.dockmaster.e2e.lab.LabRegistry;
import io.dockmaster.e2e.lab.LinkShape;
import io.dockmaster.e2e.lab.P2PLab;
import io.dockmaster.e2e.lab.P2PLabSettings;
import io.dockmaster.e2e.lab.ProcessUsage;
import io.dockmaster.e2e.lab.RandomImage;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * P2P prefetching against pulling straight from the registry, on one network lab: N nodes with
 * shaped links, a registry with a capped uplink, random images of F bytes. The runs: Dockmaster
 * with fresh agent JVMs (one ImageMirror of one image), the naive pull (every node fetches every
 * layer from the registry at once, with curl), Dockmaster again for each further warm-up run
 * (another image each; {@code --warmup-runs} counts the fresh run too), and Dockmaster with the
 * agents' JIT warm (another image of the same size), the figure the summary and JSON report. An
 * agent's C2 compiler works through its hot path over its first gigabyte or so, which one run of a
 * 500 MiB image does not reach: at the defaults a third run and a fourth took 49.9 and 50.3 s, the
 * second 60.4 s, so two runs warm up. For each: makespan, bytes the registry served (from its own
 * log, not from what agents report) and the ratio to the Kumar–Ross bound {@code max(F/u_s,
 * F/d_min, N·F/(u_s + Σu_i))}; then the warm run's plan carried out by standard tools in plain TCP
 * and in TLS ({@link LabFloor}, what the machine allows the lab at all); then the agents' peak RSS,
 * where their CPU went and the operator's CPU time per planned transfer. The last line is one JSON
 * object. A measurement, not a test: it fails only when something does not work (a node never
 * completes), never on a number. {@code make bench-p2p} (hack/bench-p2p.sh) builds, checks the dev
 * cluster and cleans up.
 */
public final class P2PBench {

  private static final long STARTED = System.nanoTime();
  static final long MIB = 1024 * 1024;
  private static final Duration POLL = Duration.ofMillis(100);

  private P2PBench() {}

  /** One run's outcome; the CPU figures are for P2P runs only. */
  record Run(
      double makespan,
      long upstreamBytes,
      List<Double> nodeSeconds,
      String transfers,
      Map<String, Double> agentCoresByThread,
      double agentCores,
      double machineCores,
      double otherCores,
      double operatorCpuSeconds,
      double transfersPlanned,
      double inventoryReads,
      double fullRateMakespan) {}

  public static void main(String[] args) throws Exception {
    P2PBenchSettings s = P2PBenchSettings.parse(args);
    say(
        "machine: %d CPUs, load average %s; JVM %s"
            .formatted(
                MachineLoad.cores(),
                MachineFacts.loadAverage(),
                System.getProperty("java.runtime.version")));
    List<Long> layerPayloads = s.layerPayloads();
    say(
        "settings: %d nodes at %d Mbit/s up and down, registry uplink %d Mbit/s, image %d MiB in %d"
                .formatted(s.nodes(), s.rateMbit(), s.upstreamMbit(), s.sizeMib(), s.layers())
            + " layers%s%s; tbf bucket %d bytes per node link; agent JVM options %s"
                .formatted(
                    s.largestPct() == 0
                        ? ""
                        : " (the largest %d%%, %d MiB)"
                            .formatted(s.largestPct(), layerPayloads.get(0) / MIB),
                    s.slowNodes() == 0
                        ? ""
                        : "; %s from number %d in name order at %d Mbit/s, which the agents are not told of"
                            .formatted(nodeCount(s.slowNodes()), s.slowFrom(), s.slowMbit()),
                    s.tbfBucketBytes(),
                    String.join(" ", s.agentJvmOptions())));
    P2PLabSettings labSettings =
        P2PLabSettings.uniform(
                s.root(),
                s.nodes(),
                LinkShape.symmetricMbit(s.rateMbit()),
                // Pushes travel the registry's download, which stays unshaped.
                new LinkShape(s.upstreamMbit() * 1_000_000, LinkShape.UNLIMITED),
                s.workDir())
            .withDevKubeconfig(s.kubeconfig())
            .withAgentJvmOptions(s.agentJvmOptions())
            .withNodeLinks(s.nodeLinks());
    long t = System.nanoTime();
    try (P2PLab lab = P2PLab.start(labSettings)) {
      say(
          "lab up in %.1f s: namespace %s, registry %s, %d agents with live Leases"
              .formatted(
                  (System.nanoTime() - t) / 1e9,
                  lab.namespace(),
                  lab.registry().address(),
                  lab.agents().size()));
      RandomImage cold = lab.pushImage("p2p-cold:1", layerPayloads, 6);
      RandomImage image = lab.pushImage("p2p:1", layerPayloads, 7);
      List<RandomImage> warmupImages = new ArrayList<>();
      for (int run = 2; run <= s.warmupRuns(); run++) {
        warmupImages.add(lab.pushImage("p2p-warmup-" + run + ":1", layerPayloads, 6 + run));
      }
      long f = image.layerBytes();
      double us = s.upstreamMbit() * 1e6 / 8;
      double u = s.rateMbit() * 1e6 / 8;
      double slow = s.slowMbit() * 1e6 / 8;
      double dMin = s.slowNodes() > 0 ? Math.min(u, slow) : u;
      double uploads = (s.nodes() - s.slowNodes()) * u + s.slowNodes() * slow;
      double bound = Math.max(f / us, Math.max(f / dMin, s.nodes() * f / (us + uploads)));
      // The model's links are uniform.
      double fluid = s.slowNodes() > 0 ? Double.NaN : fluidModel(image, s.nodes(), us, u);
      say(
          "images of %d layers, %d bytes each; Kumar-Ross bound %.1f s; the planner's first plan in"
                  .formatted(image.layers().size(), f, bound)
              + " PlannerBench's fluid model of these links: %s"
                  .formatted(
                      Double.isNaN(fluid)
                          ? "not modelled (uneven links)"
                          : "%.1f s".formatted(fluid)));
      warnAboutOtherMirrors(lab);

      Run freshJvms = p2p(lab, "p2p-bench-cold", cold, s, "fresh agent JVMs");
      Run naive = s.naive() ? naive(lab, image, s) : null;
      List<Run> warmups = new ArrayList<>();
      for (RandomImage warmup : warmupImages) {
        int run = warmups.size() + 2;
        warmups.add(p2p(lab, "p2p-bench-warmup-" + run, warmup, s, "warm-up run " + run));
      }
      Run warm = p2p(lab, "p2p-bench", image, s, "agent JIT warm");
      List<LabFloor.Result> floors = s.floor() ? floors(lab, image, s) : List.of();
      P2PBenchReport.print(s, lab, f, bound, fluid, naive, freshJvms, warmups, warm, floors);
    }
  }

  /** ImageMirrors are cluster-scoped and this lab's operator distributes all of them. */
  private static void warnAboutOtherMirrors(P2PLab lab) {
    List<String> others =
        lab.client().resources(ImageMirror.class).list().getItems().stream()
            .map(m -> m.getMetadata().getName())
            .toList();
    if (!others.isEmpty()) {
      say(
          ("warning: other ImageMirrors exist on this cluster (%s); the lab's operator reconciles"
                  + " them too and orders its agents to fetch their images, which costs CPU during"
                  + " the measurement (and their registries may be unreachable from the lab)")
              .formatted(String.join(", ", others)));
    }
  }

  private static Run naive(P2PLab lab, RandomImage image, P2PBenchSettings s)
      throws IOException, InterruptedException {
    LabRegistry registry = lab.registry();
    List<String> urls =
        image.layers().stream().map(l -> blobUrl(registry, image, l.digest())).toList();
    List<Long> sizes = image.layers().stream().map(RandomImage.Layer::size).toList();
    double expected = s.nodes() * (double) image.layerBytes() * 8 / (s.upstreamMbit() * 1e6);
    say(
        ("== naive: %d nodes pull %d layers each straight from the registry (about %.0f s at line"
                + " rate); load average %s")
            .formatted(s.nodes(), urls.size(), expected, MachineFacts.loadAverage()));
    registry.resetCounters();
    List<ConcurrentPull.HostPull> pulls =
        ConcurrentPull.run(
            lab.agents().stream().map(LabAgent::host).toList(),
            urls,
            sizes,
            s.workDir().resolve("naive"),
            Duration.ofSeconds((long) (3 * expected) + 300));
    List<String> failed =
        pulls.stream().filter(p -> !p.complete()).map(p -> p.host() + ": " + p.problem()).toList();
    if (!failed.isEmpty()) {
      throw new IllegalStateException("naive pulls failed:\n" + String.join("\n", failed));
    }
    List<Double> seconds = pulls.stream().map(ConcurrentPull.HostPull::seconds).sorted().toList();
    long served = settledBytes(registry);
    say(
        "naive: first node done at %.1f s, median %.1f s, last %.1f s; registry served %d bytes"
            .formatted(seconds.get(0), median(seconds), last(seconds), served));
    return new Run(last(seconds), served, seconds, "", Map.of(), 0, 0, 0, 0, 0, 0, last(seconds));
  }

  /** The warm run's plan carried out by standard tools, in plain TCP and in TLS (see LabFloor). */
  private static List<LabFloor.Result> floors(P2PLab lab, RandomImage image, P2PBenchSettings s)
      throws IOException, InterruptedException {
    LabFloor floor = new LabFloor(lab, image, s.workDir().resolve("floor"));
    List<LabFloor.Result> results = new ArrayList<>();
    for (boolean tls : List.of(false, true)) {
      say(
          "== %s: the same plan by socat, tee and openssl pipelines; load average %s"
              .formatted(LabFloor.label(tls), MachineFacts.loadAverage()));
      LabFloor.Result result = floor.run(tls, runTimeoutSeconds(s, image));
      say(
          "%s: first node done at %.1f s, median %.1f s, last %.1f s; registry served %d bytes;"
                  .formatted(
                      result.label(),
                      result.nodeSeconds().get(0),
                      median(result.nodeSeconds()),
                      result.makespan(),
                      result.upstreamBytes())
              + " machine %.2f of %d cores busy"
                  .formatted(result.machineCores(), MachineLoad.cores()));
      results.add(result);
    }
    return results;
  }

  /** How long a distribution run may take before the benchmark gives up on it. */
  private static double runTimeoutSeconds(P2PBenchSettings s, RandomImage image) {
    return Math.max(600, 2.0 * s.nodes() * image.layerBytes() * 8 / (s.upstreamMbit() * 1e6));
  }

  /**
   * One ImageMirror of {@code image}, timed from applying it until every agent's cache holds every
   * blob. Polled from the caches rather than the status: a blob appears there only once verified,
   * no reconcile interval or status write delays it, and no other operator on the shared cluster
   * writes it.
   */
  private static Run p2p(
      P2PLab lab, String mirror, RandomImage image, P2PBenchSettings s, String label)
      throws InterruptedException {
    String planned = "dockmaster_distribution_transfers_planned_total";
    String inventories = "dockmaster_distribution_agent_inventories_total";
    Set<String> blobs = lab.imageBlobs(image);
    say("== p2p, %s: load average %s".formatted(label, MachineFacts.loadAverage()));
    lab.registry().resetCounters();
    double plannedBefore = lab.operator().metric(planned);
    double inventoriesBefore = lab.operator().metric(inventories);
    long operatorBefore = lab.operator().usage().cpuTicks();
    Map<String, Long> threadsBefore = agentTicksByThread(lab);
    Map<Long, Long> processesBefore = MachineLoad.processTicks();
    MachineLoad.Sample machineBefore = MachineLoad.now();
    Map<String, Double> done = new TreeMap<>();
    long start = System.nanoTime();
    lab.apply(lab.mirror(mirror, image.reference()));
    double timeout = runTimeoutSeconds(s, image);
    while (done.size() < s.nodes()) {
      double now = (System.nanoTime() - start) / 1e9;
      for (LabAgent agent : lab.agents()) {
        if (!done.containsKey(agent.node()) && agent.completeBlobs().containsAll(blobs)) {
          done.put(agent.node(), now);
        }
      }
      if (now > timeout) {
        throw new IllegalStateException(
            "P2P did not complete within %.0f s; missing: %s%n%s"
                .formatted(timeout, lab.missing(blobs), lab.diagnostics()));
      }
      Thread.sleep(POLL.toMillis());
    }
    MachineLoad.Sample machineAfter = MachineLoad.now();
    Duration wall = Duration.ofNanos(machineAfter.nanos() - machineBefore.nanos());
    Set<Long> ours = new HashSet<>(List.of(ProcessHandle.current().pid(), lab.operator().pid()));
    lab.agents().forEach(a -> ours.add(a.pid()));
    double others =
        MachineLoad.othersCores(processesBefore, MachineLoad.processTicks(), ours, wall);
    Map<String, Double> byThread = new TreeMap<>();
    agentTicksByThread(lab)
        .forEach(
            (name, ticks) ->
                byThread.put(
                    name,
                    // A thread that ended took its ticks along: never below zero.
                    Math.max(0, ticks - threadsBefore.getOrDefault(name, 0L))
                        / ProcessUsage.TICKS_PER_SECOND
                        / (wall.toNanos() / 1e9)));
    double operatorCpu =
        (lab.operator().usage().cpuTicks() - operatorBefore) / ProcessUsage.TICKS_PER_SECOND;
    double transfers = lab.operator().metric(planned) - plannedBefore;
    double inventoryReads = lab.operator().metric(inventories) - inventoriesBefore;
    List<Double> seconds = done.values().stream().sorted().toList();
    long served = settledBytes(lab.registry());
    say(
        "p2p, %s: first node done at %.1f s, median %.1f s, last %.1f s; registry served %d bytes"
            .formatted(label, seconds.get(0), median(seconds), last(seconds), served));
    List<String> slowNodes = new ArrayList<>();
    for (int i = 0; i < s.nodes(); i++) {
      if (s.isSlow(i)) {
        slowNodes.add(lab.agents().get(i).node());
      }
    }
    double fullRate =
        done.entrySet().stream()
            .filter(e -> !slowNodes.contains(e.getKey()))
            .mapToDouble(Map.Entry::getValue)
            .max()
            .orElseThrow();
    if (!slowNodes.isEmpty()) {
      say(
          "p2p, %s: the %s at %d Mbit/s done by %.1f s, the %s at %d Mbit/s by %.1f s"
              .formatted(
                  label,
                  nodeCount(s.nodes() - slowNodes.size()),
                  s.rateMbit(),
                  fullRate,
                  nodeCount(slowNodes.size()),
                  s.slowMbit(),
                  last(seconds)));
    }
    say("p2p, %s: ImageMirror status %s".formatted(label, awaitStatus(lab, mirror, s.nodes())));
    return new Run(
        last(seconds),
        served,
        seconds,
        transferSummary(lab, blobs),
        byThread,
        byThread.values().stream().mapToDouble(Double::doubleValue).sum(),
        MachineLoad.busyCores(machineBefore, machineAfter),
        others,
        operatorCpu,
        transfers,
        inventoryReads,
        fullRate);
  }

  /** CPU ticks of all agents together, by kind of thread. */
  private static Map<String, Long> agentTicksByThread(P2PLab lab) {
    Map<String, Long> ticks = new TreeMap<>();
    for (LabAgent agent : lab.agents()) {
      ProcessUsage.ticksByThread(agent.pid()).forEach((k, v) -> ticks.merge(k, v, Long::sum));
    }
    return ticks;
  }

  /** The image's layers as blobs. */
  static List<Blob> blobs(RandomImage image) {
    return image.layers().stream().map(l -> new Blob(Digest.parse(l.digest()), l.size())).toList();
  }

  /** The image's layers as the planner sees them: a layer much larger than the rest in pieces. */
  static List<Blob> units(RandomImage image) {
    List<Blob> blobs = blobs(image);
    return PieceLayout.of(blobs).units(blobs);
  }

  /** Where the lab's registry serves a blob of {@code image}, over plain HTTP. */
  static String blobUrl(LabRegistry registry, RandomImage image, String digest) {
    String repository = image.reference().substring(0, image.reference().lastIndexOf(':'));
    return "http://%s/v2/%s/blobs/%s"
        .formatted(registry.address(), repository.substring(repository.indexOf('/') + 1), digest);
  }

  /** The registry logs a response when it ends: wait until the count stops moving. */
  static long settledBytes(LabRegistry registry) throws InterruptedException {
    long last = -1;
    long now = registry.bytesServed();
    for (int i = 0; i < 20 && now != last; i++) {
      Thread.sleep(500);
      last = now;
      now = registry.bytesServed();
    }
    return now;
  }

  /** Makespan of the planner's first plan in PlannerBench's fluid model of these links. */
  private static double fluidModel(RandomImage image, int nodes, double us, double u) {
    List<Blob> blobs = units(image);
    List<PlanNode> planNodes = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      planNodes.add(PlanNode.empty("node-%03d".formatted(i)));
    }
    // 2 is the ImageMirror default of spec.distribution.maxUpstreamStreams.
    PlanRequest request = new PlanRequest(blobs, planNodes, 2);
    return new PlanSimulation(us, u).makespanSeconds(request, new ChainOrTrees().plan(request));
  }

  /**
   * Times every line from when this class loads, the start of the benchmark: it stays here, with
   * the entry point, so that the other classes printing through it do not move the clock's zero.
   */
  static void say(String message) {
    System.out.printf("[bench %6.1fs] %s%n", (System.nanoTime() - STARTED) / 1e9, message);
  }
}
