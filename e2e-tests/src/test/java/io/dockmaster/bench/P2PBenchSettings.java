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
    if (slowNodes > 0 && slowMbit <= 0) {
      throw new IllegalArgumentException("SLOW_NODES=%d needs SLOW_MBIT".formatted(slowNodes));
    }
  }

  /** Each node's link: the last {@code slowNodes} at {@code slowMbit}, the rest at the rate. */
  List<LinkShape> nodeLinks() {
    List<LinkShape> links = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      links.add(LinkShape.symmetricMbit(i < nodes - slowNodes ? rateMbit : slowMbit));
    }
    return links;
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
