package io.dockmaster.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dev control plane and registry that {@code make dev-up} started, as described by the {@code
 * .dev/env} file it writes. End-to-end tests use them exactly as a user would.
 */
record DevCluster(Path root, Path kubeconfig, String registry, Path crane) {

  private static final Pattern EXPORT = Pattern.compile("^export (\\w+)='?([^']*)'?$");

  static DevCluster fromEnvFile() {
    Path root = Path.of(System.getProperty("dockmaster.root", "..")).toAbsolutePath().normalize();
    Path env = root.resolve(".dev/env");
    if (!Files.exists(env)) {
      throw new IllegalStateException(
          env + " does not exist: start the dev control plane with `make dev-up` first");
    }
    Map<String, String> values = new HashMap<>();
    try {
      for (String line : Files.readAllLines(env)) {
        Matcher m = EXPORT.matcher(line.trim());
        if (m.matches()) {
          values.put(m.group(1), m.group(2));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + env, e);
    }
    Path cache =
        Path.of(
            values.getOrDefault(
                "DOCKMASTER_CACHE", System.getProperty("user.home") + "/.cache/dockmaster"));
    return new DevCluster(
        root,
        Path.of(values.get("KUBECONFIG")),
        values.get("REGISTRY"),
        cache.resolve("bin/crane"));
  }

  Path jar() {
    return Path.of(
        System.getProperty(
            "dockmaster.jar", root.resolve("operator/target/dockmaster.jar").toString()));
  }
}
