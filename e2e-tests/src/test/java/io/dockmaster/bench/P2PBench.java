package io.dockmaster.bench;

import io.dockmaster.api.v1alpha1.ImageMirrorStatus;
import io.dockmaster.distribution.Blob;
import io.dockmaster.distribution.MultiTreePlanner;
import io.dockmaster.distribution.PlanNode;
import io.dockmaster.distribution.PlanRequest;
import io.dockmaster.e2e.lab.ConcurrentPull;
import io.dockmaster.e2e.lab.LabAgent;
import io.dockmaster.e2e.lab.LabHost;
import io.dockmaster.e2e.lab.LabRegistry;
import io.dockmaster.e2e.lab.LinkShape;
import io.dockmaster.e2e.lab.P2PLab;
import io.dockmaster.e2e.lab.P2PLabSettings;
import io.dockmaster.e2e.lab.ProcessUsage;
import io.dockmaster.e2e.lab.RandomImage;
import io.dockmaster.registry.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * P2P prefetching against pulling straight from the registry, on one network lab: N nodes with
 * shaped links, a registry with a capped uplink, one random image. (a) naive: every node fetches
 * every blob from the registry at once (curl); (b) Dockmaster: one ImageMirror, the operator plans,
 * the agents stream among themselves. For each: makespan, bytes the registry served (counted from
 * its own log, not from what agents report) and the ratio to the Kumar–Ross lower bound {@code
 * max(F/u_s, F/d_min, N·F/(u_s + Σu_i))}. Also the agents' peak RSS and the operator's CPU time per
 * planned transfer. The last line is one JSON object. A measurement, not a test: it fails only when
 * something does not work (a node never completes), never on a number. Run it with {@code make
 * bench-p2p} (hack/bench-p2p.sh), which builds, checks the dev cluster and cleans up.
 */
public final class P2PBench {

  private static final long STARTED = System.nanoTime();
  private static final long MIB = 1024 * 1024;
  private static final Duration POLL = Duration.ofMillis(100);

  private P2PBench() {}

  /** Command-line settings, {@code --name=value}. */
  record Settings(
      int nodes,
      long sizeMib,
      int layers,
      long rateMbit,
      long upstreamMbit,
      Path workDir,
      Path root,
      Path kubeconfig,
      List<String> agentJvmOptions,
      boolean naive) {

    static Settings parse(String[] args) {
      Map<String, String> v = new HashMap<>();
      for (String arg : args) {
        int eq = arg.indexOf('=');
        if (!arg.startsWith("--") || eq < 0) {
          throw new IllegalArgumentException("arguments are --name=value, not " + arg);
        }
        v.put(arg.substring(2, eq), arg.substring(eq + 1));
      }
      Path root = Path.of(v.getOrDefault("root", ".")).toAbsolutePath().normalize();
      String jvm = v.getOrDefault("agent-jvm-options", "");
      return new Settings(
          Integer.parseInt(v.getOrDefault("nodes", "20")),
          Long.parseLong(v.getOrDefault("size-mib", "500")),
          Integer.parseInt(v.getOrDefault("layers", "5")),
          Long.parseLong(v.getOrDefault("rate-mbit", "100")),
          Long.parseLong(v.getOrDefault("upstream-mbit", "100")),
          Path.of(v.getOrDefault("work-dir", "target/bench-p2p")).toAbsolutePath(),
          root,
          Path.of(v.getOrDefault("kubeconfig", root.resolve(".dev/kubeconfig").toString())),
          jvm.isBlank() ? P2PLabSettings.AGENT_JVM_OPTIONS : List.of(jvm.strip().split("\\s+")),
          Boolean.parseBoolean(v.getOrDefault("naive", "true")));
    }
  }

  /** One phase's outcome. */
  record Phase(double makespan, long upstreamBytes, List<Double> nodeSeconds) {}

  public static void main(String[] args) throws Exception {
    Settings s = Settings.parse(args);
    say(
        "machine: %d CPUs, load average %s; JVM %s"
            .formatted(
                Runtime.getRuntime().availableProcessors(),
                MachineFacts.loadAverage(),
                System.getProperty("java.runtime.version")));
    say(
        "settings: %d nodes at %d Mbit/s up and down, registry uplink %d Mbit/s, image %d MiB in %d"
                .formatted(s.nodes(), s.rateMbit(), s.upstreamMbit(), s.sizeMib(), s.layers())
            + " layers; agent JVM options %s".formatted(String.join(" ", s.agentJvmOptions())));
    P2PLabSettings labSettings =
        P2PLabSettings.uniform(
                s.root(),
                s.nodes(),
                LinkShape.symmetricMbit(s.rateMbit()),
                // Pushes travel the registry's download, which stays unshaped.
                new LinkShape(s.upstreamMbit() * 1_000_000, LinkShape.UNLIMITED),
                s.workDir())
            .withDevKubeconfig(s.kubeconfig())
            .withAgentJvmOptions(s.agentJvmOptions());
    long t = System.nanoTime();
    try (P2PLab lab = P2PLab.start(labSettings)) {
      say(
          "lab up in %.1f s: namespace %s, registry %s, %d agents with live Leases"
              .formatted(
                  (System.nanoTime() - t) / 1e9,
                  lab.namespace(),
                  lab.registry().address(),
                  lab.agents().size()));
      RandomImage image = lab.pushImage("p2p:1", s.layers(), s.sizeMib() * MIB, 7);
      Set<String> blobs = lab.imageBlobs(image);
      long f = image.layerBytes();
      double us = s.upstreamMbit() * 1e6 / 8;
      double u = s.rateMbit() * 1e6 / 8;
      double bound = Math.max(f / us, Math.max(f / u, s.nodes() * f / (us + s.nodes() * u)));
      double fluid = fluidModel(image, s.nodes(), us, u);
      say(
          "image %s: %d blobs, layers %d bytes; Kumar-Ross bound %.1f s; the planner's plan in a"
                  .formatted(image.referenceByDigest(), blobs.size(), f, bound)
              + " fluid model of these links: %.1f s".formatted(fluid));

      warnAboutOtherMirrors(lab);
      warmUp(lab, s);
      Phase naive = s.naive() ? naive(lab, image, s) : null;
      P2PResult p2p = p2p(lab, image, blobs, s);
      report(s, f, bound, fluid, naive, p2p);
    }
  }

  /**
   * Fresh agent JVMs run the TLS, SHA-256 and copy loops interpreted until the JIT has compiled
   * them, which on 2 shared cores would count compile time as network time: one small mirror first,
   * as agents that have been running a while would be.
   */
  private static void warmUp(P2PLab lab, Settings s) throws IOException, InterruptedException {
    long bytes = Math.min(64, Math.max(16, s.sizeMib() / 10)) * MIB;
    RandomImage warm = lab.pushImage("warm-up:1", 2, bytes, 11);
    Set<String> blobs = lab.imageBlobs(warm);
    long start = System.nanoTime();
    lab.apply(lab.mirror("p2p-warm-up", warm.reference()));
    while (!lab.missing(blobs).isEmpty()) {
      if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
        throw new IllegalStateException(
            "the warm-up mirror did not complete in 10 minutes; missing: "
                + lab.missing(blobs)
                + "\n"
                + lab.diagnostics());
      }
      Thread.sleep(POLL.toMillis());
    }
    lab.deleteMirror("p2p-warm-up");
    say(
        "warm-up: %d MiB to every agent in %.1f s (JIT-compiles the agents' data path)"
            .formatted(bytes / MIB, (System.nanoTime() - start) / 1e9));
  }

  /** ImageMirrors are cluster-scoped and this lab's operator distributes all of them. */
  private static void warnAboutOtherMirrors(P2PLab lab) {
    List<String> others =
        lab
            .client()
            .resources(io.dockmaster.api.v1alpha1.ImageMirror.class)
            .list()
            .getItems()
            .stream()
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

  private static Phase naive(P2PLab lab, RandomImage image, Settings s)
      throws IOException, InterruptedException {
    LabRegistry registry = lab.registry();
    String repository = image.reference().substring(0, image.reference().lastIndexOf(':'));
    String base =
        "http://"
            + registry.address()
            + "/v2/"
            + repository.substring(repository.indexOf('/') + 1)
            + "/blobs/";
    List<String> urls = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    for (RandomImage.Layer layer : image.layers()) {
      urls.add(base + layer.digest());
      sizes.add(layer.size());
    }
    double expected = s.nodes() * (double) image.layerBytes() * 8 / (s.upstreamMbit() * 1e6);
    say(
        "== naive: %d nodes pull %d layers each straight from the registry (about %.0f s at line"
                .formatted(s.nodes(), urls.size(), expected)
            + " rate); load average %s".formatted(MachineFacts.loadAverage()));
    registry.resetCounters();
    List<LabHost> hosts = lab.agents().stream().map(LabAgent::host).toList();
    List<ConcurrentPull.HostPull> pulls =
        ConcurrentPull.run(
            hosts,
            urls,
            sizes,
            s.workDir().resolve("naive"),
            Duration.ofSeconds((long) (3 * expected) + 300));
    List<String> failed =
        pulls.stream().filter(p -> !p.complete()).map(p -> p.host() + ": " + p.problem()).toList();
    if (!failed.isEmpty()) {
      throw new IllegalStateException("naive pulls failed: " + String.join("\n", failed));
    }
    List<Double> seconds = pulls.stream().map(ConcurrentPull.HostPull::seconds).sorted().toList();
    long served = settledBytes(registry);
    Phase phase = new Phase(seconds.get(seconds.size() - 1), served, seconds);
    say(
        "naive: first node done at %.1f s, median %.1f s, last %.1f s; registry served %d bytes"
            .formatted(seconds.get(0), median(seconds), phase.makespan(), served));
    return phase;
  }

  /** P2P outcome and what it cost. */
  record P2PResult(
      Phase phase,
      List<Long> peakRss,
      double operatorCpuSeconds,
      double transfersPlanned,
      double operatorCpuTotal,
      double plannedTotal,
      double machineBusyCores,
      double otherCores,
      double agentCores,
      String transfers,
      List<Double> agentCpuSeconds,
      String status) {}

  private static P2PResult p2p(P2PLab lab, RandomImage image, Set<String> blobs, Settings s)
      throws InterruptedException {
    String planned = "dockmaster_distribution_transfers_planned_total";
    say(
        "== Dockmaster P2P: one ImageMirror, every node gets every blob from the registry or a peer;"
            + " load average "
            + MachineFacts.loadAverage());
    lab.registry().resetCounters();
    double plannedBefore = lab.operator().metric(planned);
    long operatorBefore = lab.operator().usage().cpuTicks();
    long agentsBefore = agentTicks(lab);
    Map<String, Long> agentBefore = new HashMap<>();
    lab.agents()
        .forEach(a -> agentBefore.put(a.node(), a.usage().map(ProcessUsage::cpuTicks).orElse(0L)));
    MachineLoad.Sample machineBefore = MachineLoad.now();
    Map<Long, Long> processesBefore = MachineLoad.processTicks();
    Map<String, Double> done = new TreeMap<>();
    long start = System.nanoTime();
    lab.apply(lab.mirror("p2p-bench", image.reference()));
    // Polled from the agents' caches rather than status: a blob is there only once verified, no
    // status write or reconcile interval delays it, and no other operator on the cluster writes it.
    double timeout =
        Math.max(600, 2.0 * s.nodes() * image.layerBytes() * 8 / (s.upstreamMbit() * 1e6));
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
    Set<Long> ours = new java.util.HashSet<>();
    ours.add(ProcessHandle.current().pid());
    ours.add(lab.operator().pid());
    lab.agents().forEach(a -> ours.add(a.pid()));
    double others =
        MachineLoad.othersCores(
            processesBefore,
            MachineLoad.processTicks(),
            ours,
            Duration.ofNanos(machineAfter.nanos() - machineBefore.nanos()));
    long agentsAfter = agentTicks(lab);
    List<Double> agentSeconds = new ArrayList<>();
    for (LabAgent agent : lab.agents()) {
      long before = agentBefore.getOrDefault(agent.node(), 0L);
      agentSeconds.add(
          (agent.usage().map(ProcessUsage::cpuTicks).orElse(before) - before)
              / ProcessUsage.TICKS_PER_SECOND);
    }
    agentSeconds.sort(null);
    long operatorAfter = lab.operator().usage().cpuTicks();
    List<Long> rss =
        lab.agents().stream()
            .map(a -> a.usage().map(ProcessUsage::peakRssBytes).orElse(0L))
            .sorted()
            .toList();
    double plannedAfter = lab.operator().metric(planned);
    List<Double> seconds = done.values().stream().sorted().toList();
    double makespan = seconds.get(seconds.size() - 1);
    long served = settledBytes(lab.registry());
    say(
        "p2p: first node done at %.1f s, median %.1f s, last %.1f s; registry served %d bytes"
            .formatted(seconds.get(0), median(seconds), makespan, served));
    String status = awaitStatus(lab, s.nodes());
    say("p2p: ImageMirror status " + status);
    double wall = (machineAfter.nanos() - machineBefore.nanos()) / 1e9;
    return new P2PResult(
        new Phase(makespan, served, seconds),
        rss,
        (operatorAfter - operatorBefore) / ProcessUsage.TICKS_PER_SECOND,
        plannedAfter - plannedBefore,
        operatorAfter / ProcessUsage.TICKS_PER_SECOND,
        plannedAfter,
        MachineLoad.busyCores(machineBefore, machineAfter),
        others,
        (agentsAfter - agentsBefore) / ProcessUsage.TICKS_PER_SECOND / wall,
        transferSummary(lab, blobs),
        agentSeconds,
        status);
  }

  private static long agentTicks(P2PLab lab) {
    return lab.agents().stream()
        .mapToLong(a -> a.usage().map(ProcessUsage::cpuTicks).orElse(0L))
        .sum();
  }

  /** The status is informational: waits briefly for nodesReady N/N and describes what it says. */
  private static String awaitStatus(P2PLab lab, int nodes) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    ImageMirrorStatus status = null;
    while (System.nanoTime() < deadline) {
      status = lab.mirrorStatus("p2p-bench").orElse(null);
      if (status != null && (nodes + "/" + nodes).equals(status.getNodesReady())) {
        break;
      }
      Thread.sleep(500);
    }
    if (status == null) {
      return "(none written)";
    }
    return "nodesReady %s, progress %s, bytesFromUpstream %s, bytesFromPeers %s"
        .formatted(
            status.getNodesReady(),
            status.getProgress(),
            status.getBytesFromUpstream(),
            status.getBytesFromPeers());
  }

  /** What the agents' logs say they did: transfers completed by source kind, failures. */
  private static String transferSummary(P2PLab lab, Set<String> blobs) {
    List<String> ours = blobs.stream().map(b -> Digest.parse(b).shortForm() + " ").toList();
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (LabAgent agent : lab.agents()) {
      try {
        for (String line : Files.readAllLines(agent.log())) {
          if (ours.stream().noneMatch(line::contains)) {
            if (line.contains(" WARN ") && line.contains(" failed: ")) {
              counts.merge("failed, other images", 1, Integer::sum);
            }
            continue;
          }
          if (line.contains(" complete from upstream ")) {
            counts.merge("from upstream", 1, Integer::sum);
          } else if (line.contains(" complete from peer/")) {
            counts.merge("from peers", 1, Integer::sum);
          } else if (line.contains(" replaced by an order from another source")) {
            counts.merge("replaced", 1, Integer::sum);
          } else if (line.contains(" WARN ") && line.contains(" failed: ")) {
            counts.merge("failed", 1, Integer::sum);
          }
        }
      } catch (IOException e) {
        counts.merge("unreadable logs", 1, Integer::sum);
      }
    }
    return counts.toString();
  }

  /** The registry logs a response when it ends: wait until the count stops moving. */
  private static long settledBytes(LabRegistry registry) throws InterruptedException {
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
    List<Blob> blobs =
        image.layers().stream().map(l -> new Blob(Digest.parse(l.digest()), l.size())).toList();
    List<PlanNode> planNodes = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      planNodes.add(PlanNode.empty("node-%03d".formatted(i)));
    }
    // 2 is the ImageMirror default of spec.distribution.maxUpstreamStreams.
    PlanRequest request = new PlanRequest(blobs, planNodes, 2);
    return new PlanSimulation(us, u).makespanSeconds(request, new MultiTreePlanner().plan(request));
  }

  private static void report(
      Settings s, long f, double bound, double fluid, Phase naive, P2PResult p2p) {
    Phase p = p2p.phase();
    say("== results (bound = max(F/u_s, F/d_min, N*F/(u_s + sum u_i)) = %.1f s)".formatted(bound));
    say("%-6s %12s %8s %16s %10s".formatted("", "makespan", "/bound", "upstream bytes", "/image"));
    if (naive != null) {
      say(row("naive", naive, bound, f));
    }
    say(row("p2p", p, bound, f));
    if (naive != null) {
      say("naive / p2p makespan: %.2f".formatted(naive.makespan() / p.makespan()));
    }
    say(
        "p2p in the fluid model: %.1f s (real / model %.2f)"
            .formatted(fluid, p.makespan() / fluid));
    say("p2p node completion (s): " + p.nodeSeconds().stream().map("%.1f"::formatted).toList());
    say("p2p transfers (agent logs): " + p2p.transfers());
    long[] rss = p2p.peakRss().stream().mapToLong(Long::longValue).toArray();
    say(
        "agents' peak RSS (VmHWM): min %d MiB, median %d MiB, max %d MiB"
            .formatted(rss[0] / MIB, rss[rss.length / 2] / MIB, rss[rss.length - 1] / MIB));
    double perTransfer = 1000 * p2p.operatorCpuSeconds() / Math.max(1, p2p.transfersPlanned());
    say(
        ("operator CPU during p2p: %.2f s for %.0f planned transfers = %.1f ms per transfer"
                + " (since its start: %.1f s for %.0f)")
            .formatted(
                p2p.operatorCpuSeconds(),
                p2p.transfersPlanned(),
                perTransfer,
                p2p.operatorCpuTotal(),
                p2p.plannedTotal()));
    List<Double> cpu = p2p.agentCpuSeconds();
    say(
        ("CPU during p2p: machine %.2f of %d cores busy, of which processes outside the lab %.2f"
                + " (API server, registry, other work on this machine); agents %.2f cores together;"
                + " CPU seconds per agent min %.1f, median %.1f, max %.1f")
            .formatted(
                p2p.machineBusyCores(),
                MachineLoad.cores(),
                p2p.otherCores(),
                p2p.agentCores(),
                cpu.get(0),
                median(cpu),
                cpu.get(cpu.size() - 1)));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("nodes", s.nodes());
    json.put("layers", s.layers());
    json.put("rate_mbit", s.rateMbit());
    json.put("upstream_mbit", s.upstreamMbit());
    json.put("image_bytes", f);
    json.put("bound_s", round(bound));
    json.put("p2p_makespan_s", round(p.makespan()));
    json.put("p2p_upstream_bytes", p.upstreamBytes());
    json.put("p2p_ratio_to_bound", round(p.makespan() / bound));
    json.put("p2p_fluid_model_s", round(fluid));
    json.put("naive_makespan_s", naive == null ? null : round(naive.makespan()));
    json.put("naive_upstream_bytes", naive == null ? null : naive.upstreamBytes());
    json.put("naive_ratio_to_bound", naive == null ? null : round(naive.makespan() / bound));
    json.put("naive_over_p2p", naive == null ? null : round(naive.makespan() / p.makespan()));
    json.put("agent_peak_rss_mib_median", rss[rss.length / 2] / MIB);
    json.put("agent_peak_rss_mib_max", rss[rss.length - 1] / MIB);
    json.put("operator_cpu_ms_per_transfer", round(perTransfer));
    json.put("transfers_planned", (long) p2p.transfersPlanned());
    json.put("machine_busy_cores_p2p", round(p2p.machineBusyCores()));
    json.put("other_processes_cores_p2p", round(p2p.otherCores()));
    System.out.println(
        json.entrySet().stream()
            .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
            .reduce((a, b) -> a + "," + b)
            .map(body -> "{" + body + "}")
            .orElseThrow());
  }

  private static String row(String name, Phase phase, double bound, long f) {
    return "%-6s %10.1f s %8.2f %16d %10.2f"
        .formatted(
            name,
            phase.makespan(),
            phase.makespan() / bound,
            phase.upstreamBytes(),
            (double) phase.upstreamBytes() / f);
  }

  private static double median(List<Double> sorted) {
    return sorted.get(sorted.size() / 2);
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  static void say(String message) {
    System.out.printf("[bench %6.1fs] %s%n", (System.nanoTime() - STARTED) / 1e9, message);
  }
}
