package io.dockmaster.bench;

import io.dockmaster.distribution.Blob;
import io.dockmaster.distribution.ChainOrTrees;
import io.dockmaster.distribution.DistributionPlanner;
import io.dockmaster.distribution.MultiTreePlanner;
import io.dockmaster.distribution.PieceLayout;
import io.dockmaster.distribution.Plan;
import io.dockmaster.distribution.PlanNode;
import io.dockmaster.distribution.PlanRequest;
import io.dockmaster.distribution.Source;
import io.dockmaster.distribution.Transfer;
import io.dockmaster.registry.Digest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The distribution planner measured: how long a plan takes for large clusters (wall and CPU time,
 * after warm-up), what the plans look like (upload balance, depth, registry traffic), and the
 * makespan a fluid model of the network predicts next to the Kumar–Ross lower bound. Pure code, no
 * cluster needed. A measurement, not a test: it fails only when the simulator gets a case with a
 * known answer wrong. {@code make bench-planner} builds and runs it.
 */
public final class PlannerBench {

  private static final long STARTED = System.nanoTime();
  private static final long MIB = 1024 * 1024;
  private static final double MBIT = 1_000_000 / 8.0;
  private static final int WARM_UP = 20;
  private static final int MEASURED = 30;

  private PlannerBench() {}

  public static void main(String[] args) {
    say(
        "machine: %d CPUs, load average %s; JVM %s %s"
            .formatted(
                Runtime.getRuntime().availableProcessors(),
                MachineFacts.loadAverage(),
                System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version")));
    checkSimulator();
    // The operator's planner: a chain up to 32 nodes, trees beyond.
    DistributionPlanner planner = new ChainOrTrees();

    say("== planning time (%d runs after %d warm-up runs)".formatted(MEASURED, WARM_UP));
    Random random = new Random(1);
    PlanRequest large = fresh(5000, mixedBlobs(50, random));
    time(planner, "5000 nodes x 50 blobs, nothing held", large);
    time(planner, "5000 nodes x 50 blobs, next round", nextRound(large, planner.plan(large)));
    time(planner, "5000 nodes x 1 blob, nothing held", fresh(5000, equalBlobs(1, 100 * MIB)));
    time(planner, "1000 nodes x 200 blobs, nothing held", fresh(1000, mixedBlobs(200, random)));

    say("== plan shape");
    shape(planner, "20 nodes x 5 x 100 MiB", fresh(20, equalBlobs(5, 100 * MIB)));
    shape(planner, "100 nodes x 1 x 100 MiB", fresh(100, equalBlobs(1, 100 * MIB)));
    shape(planner, "5000 nodes x 50 mixed", large);
    shape(planner, "5000 nodes x 50 mixed, next round", nextRound(large, planner.plan(large)));

    say("== simulated makespan (fluid model, 100 Mbit/s up and down everywhere, registry too)");
    PlanSimulation network = new PlanSimulation(100 * MBIT, 100 * MBIT);
    simulate(network, planner, "20 nodes, 5 x 100 MiB", fresh(20, equalBlobs(5, 100 * MIB)));
    simulate(network, planner, "100 nodes, 10 x 20 MiB", fresh(100, equalBlobs(10, 20 * MIB)));
    simulate(network, planner, "100 nodes, 1 x 100 MiB", fresh(100, equalBlobs(1, 100 * MIB)));
    simulate(network, planner, "50 nodes, 8 mixed", fresh(50, mixedBlobs(8, random)));
    simulate(network, planner, "20 nodes, 400 + 4 x 25 MiB", fresh(20, dominantLayer()));
    simulate(network, planner, "100 nodes, 400 + 4 x 25 MiB", fresh(100, dominantLayer()));
    simulate(network, planner, "20 nodes, 1 x 500 MiB", fresh(20, equalBlobs(1, 500 * MIB)));
    PlanRequest twenty = fresh(20, equalBlobs(5, 100 * MIB));
    report(network, "20 nodes, 5 x 100 MiB, all from the registry", twenty, allUpstream(twenty));
    say("done");
  }

  private static void time(DistributionPlanner planner, String label, PlanRequest request) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int i = 0; i < WARM_UP; i++) {
      planner.plan(request);
    }
    double[] wall = new double[MEASURED];
    double[] cpu = new double[MEASURED];
    int transfers = 0;
    for (int i = 0; i < MEASURED; i++) {
      long cpuStart = threads.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      Plan plan = planner.plan(request);
      wall[i] = (System.nanoTime() - start) / 1e6;
      cpu[i] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6;
      transfers = plan.start().size();
    }
    Arrays.sort(wall);
    Arrays.sort(cpu);
    say(
        "%-40s wall p50 %6.1f ms  p90 %6.1f ms  max %6.1f ms   cpu p50 %6.1f ms   (%d new transfers)"
            .formatted(
                label,
                wall[MEASURED / 2],
                wall[MEASURED * 9 / 10],
                wall[MEASURED - 1],
                cpu[MEASURED / 2],
                transfers));
  }

  private static void shape(DistributionPlanner planner, String label, PlanRequest request) {
    Plan plan = planner.plan(request);
    long imageBytes = request.blobs().stream().mapToLong(Blob::size).sum();
    Map<String, Long> uploads = plan.uploadBytesByNode();
    long total = uploads.values().stream().mapToLong(Long::longValue).sum();
    long max = uploads.values().stream().mapToLong(Long::longValue).max().orElse(0);
    double mean = (double) total / request.nodes().size();
    say(
        ("%-36s kept %6d  new %6d  max upload / mean %.2f  max depth %2d"
                + "  registry serves %.2f x the image")
            .formatted(
                label,
                plan.keep().size(),
                plan.start().size(),
                mean == 0 ? 0 : max / mean,
                plan.maxDepth(),
                (double) plan.upstreamBytes() / imageBytes));
  }

  private static void simulate(
      PlanSimulation network, DistributionPlanner planner, String label, PlanRequest request) {
    long image = request.blobs().stream().mapToLong(Blob::size).sum();
    long largest = request.blobs().stream().mapToLong(Blob::size).max().orElse(0);
    String described = "%s (largest %.0f%%)".formatted(label, 100.0 * largest / image);
    boolean chain = planner.chains(request.nodes().size());
    report(
        network, described + (chain ? ", chain" : ", multi-tree"), request, planner.plan(request));
    if (chain) {
      report(network, described + ", multi-tree", request, new MultiTreePlanner().plan(request));
    }
    PieceLayout pieces = PieceLayout.of(request.blobs());
    List<Blob> units = pieces.units(request.blobs());
    if (units.size() > request.blobs().size()) {
      PlanRequest inPieces = new PlanRequest(units, request.nodes(), request.maxUpstreamStreams());
      report(
          network,
          described + ", in pieces (%d units)".formatted(units.size()),
          inPieces,
          planner.plan(inPieces));
    }
  }

  private static void report(PlanSimulation network, String label, PlanRequest request, Plan plan) {
    double makespan = network.makespanSeconds(request, plan);
    double bound = network.lowerBoundSeconds(request);
    say(
        "%-56s makespan %7.1f s   bound %6.1f s   ratio %.2f"
            .formatted(label, makespan, bound, makespan / bound));
  }

  /** A chain of three nodes passes one blob on at link speed: the makespan is size / rate. */
  private static void checkSimulator() {
    Blob blob = blob(0, 100 * MIB);
    List<PlanNode> nodes = List.of(PlanNode.empty("a"), PlanNode.empty("b"), PlanNode.empty("c"));
    PlanRequest request = new PlanRequest(List.of(blob), nodes, 1);
    Plan chain =
        new Plan(
            List.of(
                new Transfer("a", blob, Source.UPSTREAM, 1),
                new Transfer("b", blob, Source.peer("a"), 2),
                new Transfer("c", blob, Source.peer("b"), 3)),
            List.of());
    PlanSimulation network = new PlanSimulation(100 * MBIT, 100 * MBIT);
    double expected = blob.size() / (100 * MBIT);
    double makespan = network.makespanSeconds(request, chain);
    if (Math.abs(makespan / expected - 1) > 0.01) {
      throw new IllegalStateException(
          "simulator: a chain should take %.2f s, took %.2f s".formatted(expected, makespan));
    }
  }

  /**
   * The state the operator would see one round later: transfers at depth 1 half finished, the rest
   * in flight, 1% of the nodes gone.
   */
  private static PlanRequest nextRound(PlanRequest request, Plan plan) {
    Map<String, Set<Digest>> complete = new HashMap<>();
    Map<String, Map<Digest, Source>> receiving = new HashMap<>();
    for (PlanNode node : request.nodes()) {
      complete.put(node.name(), new HashSet<>(node.complete()));
      receiving.put(node.name(), new HashMap<>(node.receiving()));
    }
    plan.transfers()
        .forEach(
            t -> {
              if (t.depth() == 1 && (t.node().hashCode() & 1) == 0) {
                complete.get(t.node()).add(t.blob().digest());
              } else {
                receiving.get(t.node()).put(t.blob().digest(), t.source());
              }
            });
    List<PlanNode> next = new ArrayList<>();
    for (PlanNode node : request.nodes()) {
      if (Math.floorMod(node.name().hashCode(), 100) != 7) {
        next.add(
            new PlanNode(
                node.name(),
                node.uploadBytesPerSecond(),
                node.downloadBytesPerSecond(),
                complete.get(node.name()),
                receiving.get(node.name())));
      }
    }
    return new PlanRequest(request.blobs(), next, request.maxUpstreamStreams());
  }

  private static Plan allUpstream(PlanRequest request) {
    List<Transfer> transfers = new ArrayList<>();
    for (Blob blob : request.blobs()) {
      for (PlanNode node : request.nodes()) {
        transfers.add(new Transfer(node.name(), blob, Source.UPSTREAM, 1));
      }
    }
    return new Plan(transfers, List.of());
  }

  private static PlanRequest fresh(int nodes, List<Blob> blobs) {
    List<PlanNode> list = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      list.add(PlanNode.empty("node-%05d".formatted(i)));
    }
    return new PlanRequest(blobs, list, 1);
  }

  private static List<Blob> equalBlobs(int count, long size) {
    List<Blob> blobs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      blobs.add(blob(i, size));
    }
    return blobs;
  }

  /** One layer of 80% of the image, as `LARGEST_PCT=80 make bench-p2p` builds. */
  private static List<Blob> dominantLayer() {
    List<Blob> blobs = new ArrayList<>(List.of(blob(500, 400 * MIB)));
    for (int i = 0; i < 4; i++) {
      blobs.add(blob(501 + i, 25 * MIB));
    }
    return blobs;
  }

  /** Layer sizes spread like real images: many small ones, a few large (1 KiB to ~450 MiB). */
  private static List<Blob> mixedBlobs(int count, Random random) {
    List<Blob> blobs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      blobs.add(blob(1000 * count + i, (long) Math.exp(7 + random.nextDouble() * 13)));
    }
    return blobs;
  }

  private static Blob blob(int i, long size) {
    return new Blob(Digest.sha256(("blob " + i).getBytes(StandardCharsets.UTF_8)), size);
  }

  private static void say(String message) {
    System.out.printf("[bench %6.1fs] %s%n", (System.nanoTime() - STARTED) / 1e9, message);
  }
}
