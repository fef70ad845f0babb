package io.dockmaster.bench;

import static io.dockmaster.bench.P2PBench.MIB;
import static io.dockmaster.bench.P2PBench.say;

import io.dockmaster.e2e.lab.P2PLab;
import io.dockmaster.e2e.lab.ProcessUsage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The P2P benchmark's results: a table of the runs against the bound, the agents' memory and CPU,
 * the operator's work per transfer, and last one JSON line with the same figures.
 */
final class P2PBenchReport {

  private P2PBenchReport() {}

  static void print(
      P2PBenchSettings s,
      P2PLab lab,
      long f,
      double bound,
      double fluid,
      P2PBench.Run naive,
      P2PBench.Run cold,
      List<P2PBench.Run> warmups,
      P2PBench.Run warm,
      List<LabFloor.Result> floors) {
    say("== results (bound = max(F/u_s, F/d_min, N*F/(u_s + sum u_i)) = %.1f s)".formatted(bound));
    say("%-22s %12s %8s %16s %8s".formatted("", "makespan", "/bound", "upstream bytes", "/F"));
    if (naive != null) {
      say(row("naive", naive, bound, f));
    }
    say(row("p2p, fresh agent JVMs", cold, bound, f));
    for (int i = 0; i < warmups.size(); i++) {
      say(row("p2p, warm-up run " + (i + 2), warmups.get(i), bound, f));
    }
    say(row("p2p, agent JIT warm", warm, bound, f));
    floors.forEach(
        floor ->
            say(
                "%-22s %10.1f s %8.2f %16d %8.2f   (p2p warm / this: %.2f)"
                    .formatted(
                        floor.label(),
                        floor.makespan(),
                        floor.makespan() / bound,
                        floor.upstreamBytes(),
                        (double) floor.upstreamBytes() / f,
                        warm.makespan() / floor.makespan())));
    if (naive != null) {
      say("naive / p2p makespan: %.2f".formatted(naive.makespan() / warm.makespan()));
    }
    if (!Double.isNaN(fluid)) {
      say(
          "p2p in the fluid model: %.1f s (real / model %.2f)"
              .formatted(fluid, warm.makespan() / fluid));
    }
    say("p2p node completion (s): " + warm.nodeSeconds().stream().map("%.1f"::formatted).toList());
    say("p2p transfers (agent logs): " + warm.transfers());
    List<Long> rss =
        lab.agents().stream()
            .map(a -> a.usage().map(ProcessUsage::peakRssBytes).orElse(0L))
            .sorted()
            .toList();
    say(
        "agents' peak RSS (VmHWM): min %d MiB, median %d MiB, max %d MiB"
            .formatted(rss.get(0) / MIB, rss.get(rss.size() / 2) / MIB, last(rss) / MIB));
    double perTransfer = 1000 * warm.operatorCpuSeconds() / Math.max(1, warm.transfersPlanned());
    say(
        "operator CPU during p2p: %.2f s for %.0f planned transfers = %.1f ms per transfer"
            .formatted(warm.operatorCpuSeconds(), warm.transfersPlanned(), perTransfer));
    double polling = s.nodes() * Math.ceil(warm.makespan());
    say(
        ("operator read agents' inventories %.0f times during p2p (%.2f per node per second);"
                + " asking every agent every second would have read them %.0f times")
            .formatted(
                warm.inventoryReads(),
                warm.inventoryReads() / s.nodes() / warm.makespan(),
                polling));
    for (int i = 0; i < warmups.size(); i++) {
      P2PBench.Run run = warmups.get(i);
      say(
          "JIT during p2p, warm-up run %d: agents' compiler threads %.2f cores, machine %.2f busy"
              .formatted(i + 2, jitCores(run), run.machineCores()));
    }
    for (P2PBench.Run run : List.of(cold, warm)) {
      say(
          ("CPU during p2p, %s: machine %.2f of %d cores busy; agents %.2f cores (%s); processes"
                  + " outside the lab (API server, registry, other work) %.2f")
              .formatted(
                  run == cold ? "fresh JVMs" : "JIT warm",
                  run.machineCores(),
                  MachineLoad.cores(),
                  run.agentCores(),
                  topThreads(run.agentCoresByThread()),
                  run.otherCores()));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("nodes", s.nodes());
    json.put("layers", s.layers());
    json.put("largest_layer_pct", s.largestPct());
    // Runs before the bucket passed whole GSO packets (64 KiB) cost the lab's kernel far more.
    json.put("lab_tbf_bucket_bytes", s.tbfBucketBytes());
    json.put("rate_mbit", s.rateMbit());
    json.put("upstream_mbit", s.upstreamMbit());
    json.put("image_bytes", f);
    json.put("bound_s", round(bound));
    json.put("p2p_makespan_s", round(warm.makespan()));
    json.put("p2p_upstream_bytes", warm.upstreamBytes());
    json.put("p2p_ratio_to_bound", round(warm.makespan() / bound));
    json.put("p2p_fresh_jvms_makespan_s", round(cold.makespan()));
    json.put("p2p_fresh_jvms_upstream_bytes", cold.upstreamBytes());
    json.put("p2p_warmup_runs", 1 + warmups.size());
    json.put(
        "p2p_warmup_makespans_s",
        warmups.stream()
            .map(run -> String.valueOf(round(run.makespan())))
            .collect(Collectors.joining(",", "[", "]")));
    json.put("p2p_fluid_model_s", Double.isNaN(fluid) ? null : round(fluid));
    if (s.slowNodes() > 0) {
      json.put("slow_nodes", s.slowNodes());
      json.put("slow_mbit", s.slowMbit());
      json.put("slow_from", s.slowFrom());
      json.put("p2p_full_rate_nodes_makespan_s", round(warm.fullRateMakespan()));
    }
    json.put("naive_makespan_s", naive == null ? null : round(naive.makespan()));
    json.put("naive_upstream_bytes", naive == null ? null : naive.upstreamBytes());
    json.put("naive_ratio_to_bound", naive == null ? null : round(naive.makespan() / bound));
    json.put("naive_over_p2p", naive == null ? null : round(naive.makespan() / warm.makespan()));
    json.put("agent_peak_rss_mib_median", rss.get(rss.size() / 2) / MIB);
    json.put("agent_peak_rss_mib_max", last(rss) / MIB);
    json.put("operator_cpu_ms_per_transfer", round(perTransfer));
    json.put("transfers_planned", (long) warm.transfersPlanned());
    json.put("operator_inventory_reads", (long) warm.inventoryReads());
    json.put("operator_inventory_reads_if_polled", (long) polling);
    floors.forEach(
        floor -> {
          String key = floor.jsonKey();
          json.put(key + "_makespan_s", round(floor.makespan()));
          json.put(key + "_upstream_bytes", floor.upstreamBytes());
          json.put(key + "_machine_busy_cores", round(floor.machineCores()));
          json.put("p2p_over_" + key, round(warm.makespan() / floor.makespan()));
        });
    json.put("machine_busy_cores_p2p", round(warm.machineCores()));
    json.put("agent_cores_p2p", round(warm.agentCores()));
    json.put("agent_jit_cores_p2p", round(jitCores(warm)));
    System.out.println(
        json.entrySet().stream()
            .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
            .collect(Collectors.joining(",", "{", "}")));
  }

  /** The cores the agents' JIT compiler threads took during a run. */
  private static double jitCores(P2PBench.Run run) {
    return run.agentCoresByThread().entrySet().stream()
        .filter(e -> e.getKey().contains("CompilerThre"))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  static String nodeCount(int nodes) {
    return nodes == 1 ? "1 node" : nodes + " nodes";
  }

  /** The busiest kinds of agent threads, e.g. "C2 CompilerThre 0.61, vert.x-eventloop 0.40". */
  private static String topThreads(Map<String, Double> cores) {
    return cores.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(6)
        .map(e -> "%s %.2f".formatted(e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }

  private static String row(String name, P2PBench.Run run, double bound, long f) {
    return "%-22s %10.1f s %8.2f %16d %8.2f"
        .formatted(
            name,
            run.makespan(),
            run.makespan() / bound,
            run.upstreamBytes(),
            (double) run.upstreamBytes() / f);
  }

  static double median(List<Double> sorted) {
    return sorted.get(sorted.size() / 2);
  }

  static <T> T last(List<T> sorted) {
    return sorted.get(sorted.size() - 1);
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
