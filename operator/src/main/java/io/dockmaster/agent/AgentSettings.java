package io.dockmaster.agent;

import io.dockmaster.cache.CacheLimits;
import io.dockmaster.registry.RegistrySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything a node agent is told at start.
 *
 * @param node the Kubernetes node name; the agent's identity
 * @param namespace where agents keep their Leases and find the CA ConfigMap
 * @param advertiseAddress the address peers and the operator reach the peer port at (the node IP)
 * @param peerPort 0 picks a free port (tests)
 * @param runtimeBindAddress loopback, where the node's containerd reaches the mirror
 * @param containerdConfigDir containerd's registry config_path (e.g. /etc/containerd/certs.d), or
 *     empty to leave containerd alone
 * @param uploadBytesPerSecond cap on bytes sent to peers, 0 for none
 * @param downloadBytesPerSecond cap on bytes received for prefetching, 0 for none
 * @param platform os/arch the node runs, so it is sent the right image manifests
 * @param relayWindowBytes how far a blob's write may run ahead of the slowest peer relaying it
 *     onward while it arrives, 0 for no limit
 * @param scrub how often and how fast complete blobs are re-hashed
 */
public record AgentSettings(
    String node,
    String namespace,
    Path cacheDirectory,
    CacheLimits cacheLimits,
    String peerBindAddress,
    int peerPort,
    String advertiseAddress,
    String runtimeBindAddress,
    int runtimePort,
    Optional<Path> containerdConfigDir,
    long uploadBytesPerSecond,
    long downloadBytesPerSecond,
    String platform,
    String healthBindAddress,
    int healthPort,
    Duration leaseDuration,
    Duration stallTimeout,
    int transferParallelism,
    long relayWindowBytes,
    ScrubSchedule scrub,
    RegistrySettings registry) {

  /** {@code --relay-window}'s default. */
  public static final long DEFAULT_RELAY_WINDOW_BYTES = 4L << 20;

  public String peerEndpoint(int actualPort) {
    String host = advertiseAddress.contains(":") ? "[" + advertiseAddress + "]" : advertiseAddress;
    return "https://" + host + ":" + actualPort;
  }

  /** The JVM's view of the platform, in OCI terms. */
  public static String hostPlatform() {
    String arch =
        switch (System.getProperty("os.arch")) {
          case "amd64", "x86_64" -> "amd64";
          case "aarch64", "arm64" -> "arm64";
          case "ppc64le" -> "ppc64le";
          case "s390x" -> "s390x";
          default -> System.getProperty("os.arch");
        };
    return "linux/" + arch;
  }
}
