package io.dockmaster.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
    Path registryLog,
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
            Path.of(values.getOrDefault("jar", root.resolve("operator/target/dockmaster.jar") + "")),
            Path.of(required(values, "kubeconfig")),
            required(values, "registry"),
            Path.of(required(values, "registry-log")),
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
          "registry-log",
          "work-dir",
          "rate",
          "warm-up-seconds",
          "seconds",
          "connections",
          "closed-loop-seconds",
          "cold-images",
          "cold-warm-up",
          "pods",
          "profile");

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
