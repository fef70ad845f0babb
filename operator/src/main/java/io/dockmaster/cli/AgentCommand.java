package io.dockmaster.cli;

import io.dockmaster.agent.AgentSettings;
import io.dockmaster.agent.NativeCrypto;
import io.dockmaster.agent.NodeAgent;
import io.dockmaster.agent.ScrubSchedule;
import io.dockmaster.cache.CacheLimits;
import io.dockmaster.registry.RegistrySettings;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the node agent (a DaemonSet pod per node): caches image layers by digest, serves them"
          + " to peer agents over mutual TLS and to the node's containerd on loopback, and fetches"
          + " what the operator orders.",
      "Needs the operator running first: it publishes the CA and signs the agent's certificate."
    })
final class AgentCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--node",
      defaultValue = "${env:NODE_NAME}",
      description = "This node's name (env NODE_NAME, from the downward API in the chart).")
  String node;

  @Option(
      names = "--namespace",
      defaultValue = "${env:DOCKMASTER_NAMESPACE:-dockmaster}",
      description =
          "The operator's namespace (env DOCKMASTER_NAMESPACE, default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(
      names = "--advertise-address",
      defaultValue = "${env:NODE_IP}",
      description = "Address peers and the operator reach this agent at (env NODE_IP).")
  String advertiseAddress;

  @Option(
      names = "--peer-bind-address",
      defaultValue = "${env:DOCKMASTER_PEER_BIND_ADDRESS:-0.0.0.0}",
      description = "Address the mutual-TLS peer port listens on (default: ${DEFAULT-VALUE}).")
  String peerBindAddress;

  @Option(
      names = "--peer-port",
      defaultValue = "${env:DOCKMASTER_PEER_PORT:-30020}",
      description = "Peer port (default: ${DEFAULT-VALUE}; 0 picks a free port).")
  int peerPort;

  @Option(
      names = "--runtime-port",
      defaultValue = "${env:DOCKMASTER_RUNTIME_PORT:-30021}",
      description =
          "Loopback port containerd pulls mirrored registries through (default: ${DEFAULT-VALUE}).")
  int runtimePort;

  @Option(
      names = "--health-port",
      defaultValue = "${env:DOCKMASTER_HEALTH_PORT:-30022}",
      description = "Port for /healthz, /readyz and /metrics (default: ${DEFAULT-VALUE}).")
  int healthPort;

  @Option(
      names = "--health-bind-address",
      defaultValue = "${env:DOCKMASTER_HEALTH_BIND_ADDRESS:-0.0.0.0}",
      description = "Address the health port listens on (default: ${DEFAULT-VALUE}).")
  String healthBindAddress;

  @Option(
      names = "--cache-dir",
      defaultValue = "${env:DOCKMASTER_CACHE_DIR:-/var/lib/dockmaster/cache}",
      description = "Where blobs are kept (default: ${DEFAULT-VALUE}).")
  Path cacheDir;

  @Option(
      names = "--cache-size",
      defaultValue = "${env:DOCKMASTER_CACHE_SIZE:-20Gi}",
      description = "Disk the cache may use, as a quantity (default: ${DEFAULT-VALUE}).")
  String cacheSize;

  @Option(
      names = "--cache-high-watermark",
      defaultValue = "0.9",
      description =
          "Evict when use exceeds this fraction of --cache-size (default: ${DEFAULT-VALUE}).")
  double highWatermark;

  @Option(
      names = "--cache-low-watermark",
      defaultValue = "0.8",
      description = "Evict down to this fraction (default: ${DEFAULT-VALUE}).")
  double lowWatermark;

  @Option(
      names = "--upload-bandwidth",
      defaultValue = "${env:DOCKMASTER_UPLOAD_BANDWIDTH:-0}",
      description = "Cap on bytes per second sent to peers, as a quantity, e.g. 100Mi; 0 for none.")
  String uploadBandwidth;

  @Option(
      names = "--download-bandwidth",
      defaultValue = "${env:DOCKMASTER_DOWNLOAD_BANDWIDTH:-0}",
      description = "Cap on bytes per second received for prefetching, as a quantity; 0 for none.")
  String downloadBandwidth;

  @Option(
      names = "--containerd-config-dir",
      defaultValue = "${env:DOCKMASTER_CONTAINERD_CONFIG_DIR}",
      description =
          "containerd's registry config_path (e.g. /etc/containerd/certs.d); when set, mirrored"
              + " registries get a hosts.toml pointing at this agent. Unset: containerd is left"
              + " alone.")
  Path containerdConfigDir;

  @Option(
      names = "--platform",
      defaultValue = "${env:DOCKMASTER_PLATFORM}",
      description = "os/arch of this node (default: the JVM's, e.g. linux/amd64).")
  String platform;

  @Option(
      names = "--stall-timeout",
      defaultValue = "30",
      description =
          "Seconds without bytes before a transfer's source is given up (default: ${DEFAULT-VALUE}).")
  int stallSeconds;

  @Option(
      names = "--relay-window",
      defaultValue = "${env:DOCKMASTER_RELAY_WINDOW:-4Mi}",
      description =
          "How far this node may receive a blob ahead of the slowest peer it relays the blob to,"
              + " as a quantity; it then reads its source no faster than that peer, so a blob's"
              + " tree of nodes moves in step. 0 for no limit (default: ${DEFAULT-VALUE}).")
  String relayWindow;

  @Option(
      names = "--scrub-interval",
      defaultValue = "24",
      description =
          "Hours between passes that re-hash every complete blob in the cache and drop those whose"
              + " bytes rotted, so they are fetched again; 0 turns scrubbing off (default:"
              + " ${DEFAULT-VALUE}).")
  int scrubHours;

  @Option(
      names = "--scrub-rate",
      defaultValue = "32Mi",
      description =
          "Bytes per second a scrub reads, as a quantity, so it stays out of the way of transfers"
              + " (default: ${DEFAULT-VALUE}).")
  String scrubRate;

  @Override
  public Integer call() throws Exception {
    AgentSettings settings = settings();
    NativeCrypto.install();
    KubernetesClient client = new KubernetesClientBuilder().build();
    NodeAgent agent;
    try {
      agent = NodeAgent.start(client, settings);
    } catch (Exception e) {
      client.close();
      throw e;
    }
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  agent.close();
                  client.close();
                  closed.countDown();
                  LogManager.shutdown();
                },
                "shutdown"));
    closed.await();
    return 0;
  }

  AgentSettings settings() {
    require(node, "--node", "set NODE_NAME from spec.nodeName, or pass --node");
    require(
        advertiseAddress,
        "--advertise-address",
        "set NODE_IP from status.hostIP, or pass the address peers reach this node at");
    if (!(lowWatermark > 0 && lowWatermark < highWatermark && highWatermark <= 1)) {
      throw new ParameterException(
          spec.commandLine(),
          "--cache-low-watermark and --cache-high-watermark must satisfy 0 < low < high <= 1, got "
              + lowWatermark
              + " and "
              + highWatermark);
    }
    return new AgentSettings(
        node,
        namespace,
        cacheDir,
        new CacheLimits(bytes(cacheSize, "--cache-size"), highWatermark, lowWatermark),
        peerBindAddress,
        peerPort,
        advertiseAddress,
        "127.0.0.1",
        runtimePort,
        Optional.ofNullable(containerdConfigDir),
        bytes(uploadBandwidth, "--upload-bandwidth"),
        bytes(downloadBandwidth, "--download-bandwidth"),
        platform == null || platform.isBlank() ? AgentSettings.hostPlatform() : platform,
        healthBindAddress,
        healthPort,
        Duration.ofSeconds(30),
        Duration.ofSeconds(stallSeconds),
        32,
        bytes(relayWindow, "--relay-window"),
        scrubSchedule(),
        RegistrySettings.defaults());
  }

  private ScrubSchedule scrubSchedule() {
    if (scrubHours < 0) {
      throw new ParameterException(
          spec.commandLine(),
          "--scrub-interval must be a number of hours, 0 or more, got " + scrubHours);
    }
    if (scrubHours == 0) {
      return ScrubSchedule.off();
    }
    long rate = bytes(scrubRate, "--scrub-rate");
    if (rate == 0) {
      throw new ParameterException(
          spec.commandLine(),
          "--scrub-rate must be above 0 while scrubbing is on; to turn scrubbing off, pass"
              + " --scrub-interval=0");
    }
    return new ScrubSchedule(Duration.ofHours(scrubHours), rate);
  }

  private void require(String value, String option, String fix) {
    if (value == null || value.isBlank()) {
      throw new ParameterException(spec.commandLine(), option + " is required: " + fix);
    }
  }

  private long bytes(String quantity, String option) {
    try {
      long value = Quantity.getAmountInBytes(new Quantity(quantity)).longValueExact();
      if (value < 0) {
        throw new ArithmeticException("negative");
      }
      return value;
    } catch (RuntimeException e) {
      throw new ParameterException(
          spec.commandLine(),
          option + " must be a quantity like 100Mi or 1G, got \"" + quantity + "\"");
    }
  }
}
