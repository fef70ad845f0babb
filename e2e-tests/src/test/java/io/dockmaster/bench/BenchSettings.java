package io.dockmaster.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one benchmark run does, from {@code --name=value} arguments (hack/bench-admission.sh passes
 * them). Paths come from the dev cluster's env file; the figures default to the targets.
 */
record BenchSettings(
    Path root,
    Path jar,
    Path kubeconfig,
    String registry,
    Path devDir,
    Path crane,
    Path cosign,
    Path workDir,
    int rate,
    Duration warmUp,
    Duration measure,
    int connections,
    Duration closedLoop,
    int coldImages,
    int coldWarmUp,
    int pods,
    Duration quietWait,
    List<String> webhookJvmOptions,
    boolean profile) {

  static BenchSettings parse(String[] args) {
    Map<String, String> values = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("arguments are --name=value, not " + arg);
      }
      values.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    Path root = Path.of(values.getOrDefault("root", ".")).toAbsolutePath().normalize();
    Path cache = Path.of(required(values, "tools"));
    BenchSettings settings =
        new BenchSettings(
            root,
            Path.of(
                values.getOrDefault("jar", root.resolve("operator/target/dockmaster.jar") + "")),
            Path.of(required(values, "kubeconfig")),
            required(values, "registry"),
            Path.of(required(values, "dev-dir")),
            cache.resolve("crane"),
            cache.resolve("cosign"),
            Path.of(required(values, "work-dir")),
            integer(values, "rate", 500),
            Duration.ofSeconds(integer(values, "warm-up-seconds", 10)),
            Duration.ofSeconds(integer(values, "seconds", 20)),
            integer(values, "connections", 8),
            Duration.ofSeconds(integer(values, "closed-loop-seconds", 10)),
            integer(values, "cold-images", 50),
            integer(values, "cold-warm-up", 10),
            integer(values, "pods", 30),
            Duration.ofSeconds(integer(values, "quiet-wait-seconds", 60)),
            List.of(values.getOrDefault("webhook-jvm-options", "").trim().split("\\s+")).stream()
                .filter(option -> !option.isEmpty())
                .toList(),
            Boolean.parseBoolean(values.getOrDefault("profile", "false")));
    values.keySet().removeAll(KNOWN);
    if (!values.isEmpty()) {
      throw new IllegalArgumentException("unknown arguments " + values.keySet());
    }
    return settings;
  }

  private static final java.util.Set<String> KNOWN =
      java.util.Set.of(
          "root",
          "jar",
          "tools",
          "kubeconfig",
          "registry",
          "dev-dir",
          "work-dir",
          "rate",
          "warm-up-seconds",
          "seconds",
          "connections",
          "closed-loop-seconds",
          "cold-images",
          "cold-warm-up",
          "pods",
          "quiet-wait-seconds",
          "webhook-jvm-options",
          "profile");

  /** The dev registry's log, where it records every request it answers. */
  Path registryLog() {
    return devDir.resolve("logs/registry.log");
  }

  /** etcd, kube-apiserver and the registry that hack/dev-up.sh started, by their pid files. */
  List<ProcessHandle> devCluster() {
    List<ProcessHandle> processes = new ArrayList<>();
    for (String component : List.of("etcd", "kube-apiserver", "registry")) {
      try {
        long pid =
            Long.parseLong(Files.readString(devDir.resolve("run/" + component + ".pid")).trim());
        ProcessHandle.of(pid).ifPresent(processes::add);
      } catch (IOException | NumberFormatException e) {
        // Not started by dev-up: its CPU then counts as other processes'.
      }
    }
    return processes;
  }

  private static String required(Map<String, String> values, String name) {
    String value = values.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--" + name + "=... is required");
    }
    return value;
  }

  private static int integer(Map<String, String> values, String name, int fallback) {
    String value = values.get(name);
    return value == null ? fallback : Integer.parseInt(value);
  }
}
