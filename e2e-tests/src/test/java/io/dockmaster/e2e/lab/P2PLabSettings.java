package io.dockmaster.e2e.lab;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

/**
 * How to build a {@link P2PLab}.
 *
 * @param root the repository, for {@code crds/}
 * @param jar dockmaster.jar, run by the operator and every agent
 * @param devKubeconfig the dev cluster's admin kubeconfig ({@code .dev/kubeconfig})
 * @param workDir logs, caches, registry storage and the agents' kubeconfig go here
 * @param registryLink the registry host's link; its upload is the upstream capacity
 * @param nodeLinks one link per node, in node order
 * @param agentJvmOptions for each agent JVM
 * @param operatorJvmOptions for the operator JVM
 * @param labWait how long to wait while another network lab holds the bridge address
 */
public record P2PLabSettings(
    Path root,
    Path jar,
    Path devKubeconfig,
    Path workDir,
    LinkShape registryLink,
    List<LinkShape> nodeLinks,
    List<String> agentJvmOptions,
    List<String> operatorJvmOptions,
    Duration labWait) {

  /**
   * The agent's JVM as the chart runs it, for many agent JVMs on 2 cores: the serial collector (no
   * GC threads per JVM), a small heap (blobs stream through 64 KiB buffers) and small thread
   * stacks. Measured with 5 nodes at 50 Mbit/s receiving 100 MiB (bound 16.8 s): 21.3 s and 6-8 CPU
   * seconds per agent with these options, 22.8 s and 7-10 s with the JVM's defaults (G1, a quarter
   * of the RAM as heap). The JIT is the JVM's default (C1, then C2 for what stays hot), as in the
   * chart: an agent runs for as long as its node, and once C2 has compiled its hot path it spends a
   * fifth less CPU per byte than with C1 alone (see docs/distribution.md).
   */
  public static final List<String> DAEMON_AGENT_JVM_OPTIONS =
      List.of("-XX:+UseSerialGC", "-Xmx256m", "-Xss512k");

  /**
   * The agent's JVM in the end-to-end tests, whose agents live for one scenario: as {@link
   * #DAEMON_AGENT_JVM_OPTIONS} without C2 ({@code -XX:TieredStopAtLevel=1}). C2's compilations cost
   * each fresh agent seconds of CPU, and a dozen fresh agents compiling at once on 2 cores hold
   * transfers up (20 fresh agents at 100 Mbit/s with 500 MiB: 68 s with C1 alone, 102 s with C2);
   * the agent's TLS and SHA-256 are native ({@code NativeCrypto}), so C1 code is fast enough for a
   * scenario.
   */
  public static final List<String> AGENT_JVM_OPTIONS =
      Stream.concat(DAEMON_AGENT_JVM_OPTIONS.stream(), Stream.of("-XX:TieredStopAtLevel=1"))
          .toList();

  public P2PLabSettings {
    if (nodeLinks.isEmpty()) {
      throw new IllegalArgumentException(
          "P2PLabSettings.nodeLinks is empty: give at least one node");
    }
    if (nodeLinks.size() > LabNames.MAX_HOSTS - 1) {
      throw new IllegalArgumentException(
          "P2PLabSettings.nodeLinks has "
              + nodeLinks.size()
              + " nodes; a lab holds at most "
              + (LabNames.MAX_HOSTS - 1)
              + " besides the registry");
    }
    nodeLinks = List.copyOf(nodeLinks);
    agentJvmOptions = List.copyOf(agentJvmOptions);
    operatorJvmOptions = List.copyOf(operatorJvmOptions);
  }

  /**
   * {@code nodes} nodes with the same link, the repository at system property {@code
   * dockmaster.root} (default {@code ..}, as failsafe runs e2e-tests), the jar at {@code
   * dockmaster.jar} (default {@code <root>/operator/target/dockmaster.jar}), the dev cluster of
   * {@code <root>/.dev}.
   */
  public static P2PLabSettings uniform(
      int nodes, LinkShape nodeLink, LinkShape registryLink, Path workDir) {
    return uniform(
        Path.of(System.getProperty("dockmaster.root", "..")),
        nodes,
        nodeLink,
        registryLink,
        workDir);
  }

  /** As {@link #uniform(int, LinkShape, LinkShape, Path)}, for the repository at {@code root}. */
  public static P2PLabSettings uniform(
      Path root, int nodes, LinkShape nodeLink, LinkShape registryLink, Path workDir) {
    root = root.toAbsolutePath().normalize();
    Path jar =
        Path.of(
            System.getProperty(
                "dockmaster.jar", root.resolve("operator/target/dockmaster.jar").toString()));
    return new P2PLabSettings(
        root,
        jar,
        root.resolve(".dev/kubeconfig"),
        workDir,
        registryLink,
        Collections.nCopies(nodes, nodeLink),
        AGENT_JVM_OPTIONS,
        List.of(),
        Duration.ofMinutes(20));
  }

  public P2PLabSettings withJar(Path newJar) {
    return new P2PLabSettings(
        root,
        newJar,
        devKubeconfig,
        workDir,
        registryLink,
        nodeLinks,
        agentJvmOptions,
        operatorJvmOptions,
        labWait);
  }

  /** The same lab with these links, one per node, in node order. */
  public P2PLabSettings withNodeLinks(List<LinkShape> links) {
    return new P2PLabSettings(
        root,
        jar,
        devKubeconfig,
        workDir,
        registryLink,
        links,
        agentJvmOptions,
        operatorJvmOptions,
        labWait);
  }

  public P2PLabSettings withDevKubeconfig(Path kubeconfig) {
    return new P2PLabSettings(
        root,
        jar,
        kubeconfig,
        workDir,
        registryLink,
        nodeLinks,
        agentJvmOptions,
        operatorJvmOptions,
        labWait);
  }

  public P2PLabSettings withAgentJvmOptions(List<String> options) {
    return new P2PLabSettings(
        root,
        jar,
        devKubeconfig,
        workDir,
        registryLink,
        nodeLinks,
        options,
        operatorJvmOptions,
        labWait);
  }

  public P2PLabSettings withOperatorJvmOptions(List<String> options) {
    return new P2PLabSettings(
        root,
        jar,
        devKubeconfig,
        workDir,
        registryLink,
        nodeLinks,
        agentJvmOptions,
        options,
        labWait);
  }

  public P2PLabSettings withLabWait(Duration wait) {
    return new P2PLabSettings(
        root,
        jar,
        devKubeconfig,
        workDir,
        registryLink,
        nodeLinks,
        agentJvmOptions,
        operatorJvmOptions,
        wait);
  }

  KubernetesClient kubernetesClient() {
    if (!Files.isRegularFile(devKubeconfig)) {
      throw new IllegalStateException(
          devKubeconfig + " does not exist: start the dev control plane with `make dev-up` first");
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " does not exist: build it with `mvn -DskipTests package`");
    }
    try {
      return new KubernetesClientBuilder()
          .withConfig(Config.fromKubeconfig(Files.readString(devKubeconfig)))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + devKubeconfig, e);
    }
  }

  /** kubectl with the dev kubeconfig, as a user would run it. */
  LabCommand.Result kubectl(String... args) {
    List<String> command = new java.util.ArrayList<>(List.of("kubectl", "--kubeconfig"));
    command.add(devKubeconfig.toString());
    command.addAll(List.of(args));
    return LabCommand.run(command);
  }

  /** The CRDs of this checkout, so the operator and the test agree on the API. */
  void installCrds() {
    kubectl("apply", "--server-side", "--force-conflicts", "-f", root.resolve("crds").toString())
        .orFail();
    kubectl(
            "wait",
            "--for",
            "condition=Established",
            "--timeout=60s",
            "crd/imagepolicies.dockmaster.io",
            "crd/imagemirrors.dockmaster.io")
        .orFail();
  }
}
