package io.dockmaster.bench;

import static io.dockmaster.bench.P2PBench.MIB;

import io.dockmaster.e2e.lab.LinkShape;
import io.dockmaster.e2e.lab.P2PLabSettings;
import io.dockmaster.e2e.lab.RandomImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Command-line settings of {@link P2PBench}, {@code --name=value}. */
record P2PBenchSettings(
    int nodes,
    long sizeMib,
    int layers,
    int largestPct,
    long rateMbit,
    long upstreamMbit,
    int slowNodes,
    int slowFrom,
    long slowMbit,
    Path workDir,
    Path root,
    Path kubeconfig,
    List<String> agentJvmOptions,
    int warmupRuns,
    boolean naive,
    boolean floor) {

  static P2PBenchSettings parse(String[] args) {
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
    return new P2PBenchSettings(
        Integer.parseInt(v.getOrDefault("nodes", "20")),
        Long.parseLong(v.getOrDefault("size-mib", "500")),
        Integer.parseInt(v.getOrDefault("layers", "5")),
        Integer.parseInt(v.getOrDefault("largest-pct", "0")),
        Long.parseLong(v.getOrDefault("rate-mbit", "100")),
        Long.parseLong(v.getOrDefault("upstream-mbit", "100")),
        Integer.parseInt(v.getOrDefault("slow-nodes", "0")),
        Integer.parseInt(v.getOrDefault("slow-from", "0")),
        Long.parseLong(v.getOrDefault("slow-mbit", "0")),
        Path.of(v.getOrDefault("work-dir", "target/bench-p2p")).toAbsolutePath(),
        root,
        Path.of(v.getOrDefault("kubeconfig", root.resolve(".dev/kubeconfig").toString())),
        jvm.isBlank()
            ? P2PLabSettings.DAEMON_AGENT_JVM_OPTIONS
            : List.of(jvm.strip().split("\\s+")),
        Integer.parseInt(v.getOrDefault("warmup-runs", "2")),
        Boolean.parseBoolean(v.getOrDefault("naive", "true")),
        Boolean.parseBoolean(v.getOrDefault("floor", "true")));
  }

  P2PBenchSettings {
    if (slowNodes < 0 || slowNodes >= nodes) {
      throw new IllegalArgumentException(
          "SLOW_NODES must be from 0 to NODES - 1 (%d), got %d".formatted(nodes - 1, slowNodes));
    }
    if (warmupRuns < 1) {
      throw new IllegalArgumentException(
          "BENCH_WARMUP_RUNS must be 1 or more (the first is the fresh-JVM run), got "
              + warmupRuns);
    }
    if (slowFrom == 0) {
      slowFrom = nodes - slowNodes + 1;
    }
    if (slowFrom < 1 || slowFrom + slowNodes - 1 > nodes) {
      throw new IllegalArgumentException(
          "SLOW_FROM must be from 1 to NODES - SLOW_NODES + 1 (%d), got %d"
              .formatted(nodes - slowNodes + 1, slowFrom));
    }
    if (slowNodes > 0 && slowMbit <= 0) {
      throw new IllegalArgumentException("SLOW_NODES=%d needs SLOW_MBIT".formatted(slowNodes));
    }
  }

  /**
   * Each node's link: {@code slowNodes} from the {@code slowFrom}-th (the last ones unless said) at
   * {@code slowMbit}, the rest at the rate. Nodes are named in this order, which is also the order
   * of a chain, so {@code slowFrom} puts slow nodes mid-chain.
   */
  List<LinkShape> nodeLinks() {
    List<LinkShape> links = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      links.add(LinkShape.symmetricMbit(isSlow(i) ? slowMbit : rateMbit));
    }
    return links;
  }

  /** Whether the node at {@code index} (from 0, in name order) is on a slow link. */
  boolean isSlow(int index) {
    return index >= slowFrom - 1 && index < slowFrom - 1 + slowNodes;
  }

  /** The tbf bucket of each node's link at this rate. */
  long tbfBucketBytes() {
    return LinkShape.burstBytes(rateMbit * 1_000_000);
  }

  /** The image's layer sizes; refuses a largest-layer share that does not fit, naming it. */
  List<Long> layerPayloads() {
    try {
      return RandomImage.layerPayloads(sizeMib * MIB, layers, largestPct);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "LARGEST_PCT=%d with LAYERS=%d and SIZE_MIB=%d: %s"
              .formatted(largestPct, layers, sizeMib, e.getMessage()));
    }
  }
}
