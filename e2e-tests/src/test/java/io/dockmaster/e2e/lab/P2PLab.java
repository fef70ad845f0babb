package io.dockmaster.e2e.lab;

import static org.awaitility.Awaitility.await;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorSpec;
import io.dockmaster.api.v1alpha1.ImageMirrorStatus;
import io.dockmaster.api.v1alpha1.UpstreamRegistry;
import io.dockmaster.control.AgentLease;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Dockmaster's P2P prefetching on the {@link NetworkLab}: a registry host with a capped uplink, one
 * host per node running {@code dockmaster.jar agent} behind its own shaped link, and {@code
 * dockmaster.jar operator} on this machine (root network namespace, which reaches every lab address
 * directly) against the dev API server. The agents reach the API server through a {@link
 * TcpForwarder} at {@value NetworkLab#BRIDGE_ADDRESS}, with the dev admin's credentials: the
 * operator is told to sign certificates for that user with {@code --agent-requester
 * dockmaster-admin --no-agent-node-binding}, where a cluster would use the agents' service account.
 *
 * <p>Everything runs in a Kubernetes namespace of its own, {@code dockmaster-p2p-<pid>-<random>},
 * so it does not meet other tests' operators in {@code dockmaster}. ImageMirrors are cluster-scoped
 * though, and every operator on the dev cluster reconciles them: another test's operator running at
 * the same time writes its own view into their status. Node holdings are therefore best read from
 * the agents' caches ({@link LabAgent#completeBlobs}), which no other process writes.
 *
 * <p>{@link #close} (also run by a shutdown hook, so an interrupted run cleans up) deletes the
 * ImageMirrors it applied, stops the operator, removes the lab network with every process in it,
 * deletes its agents' CertificateSigningRequests and empties and deletes the namespace. A run
 * killed outright leaves its namespace and operator behind; the next {@link #start} removes them.
 */
public final class P2PLab implements AutoCloseable {

  static final String OWNER_LABEL = "dockmaster.io/p2p-lab-owner";
  static final String LAB_LABEL = "dockmaster.io/p2p-lab";
  static final String AGENT_REQUESTER = "dockmaster-admin";
  private static final Pattern SERVER = Pattern.compile("server: https://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern DIGEST = Pattern.compile("\"(sha256:[0-9a-f]{64})\"");
  private static final Duration LEASE_TIMEOUT = Duration.ofMinutes(3);

  private final P2PLabSettings settings;
  private final String namespace;
  private final Instant created = Instant.now();
  private final List<LabAgent> agents = new ArrayList<>();
  private final Thread shutdownHook = new Thread(this::closeQuietly, "p2p-lab-cleanup");
  private KubernetesClient client;
  private NetworkLab network;
  private LabHost registryHost;
  private LabRegistry registry;
  private LabOperator operator;
  private Path agentKubeconfig;
  private boolean closed;

  private P2PLab(P2PLabSettings settings, String namespace) {
    this.settings = settings;
    this.namespace = namespace;
  }

  /**
   * Builds the whole lab and returns once every agent's Lease is live. Waits (up to {@link
   * P2PLabSettings#labWait}) while another network lab holds the bridge address. Fails with the
   * operator's and agents' logs if something does not come up.
   */
  public static P2PLab start(P2PLabSettings settings) throws IOException {
    NetworkLab.available().orFail();
    KubernetesClient client = settings.kubernetesClient();
    StaleLabs.remove(client, settings);
    LabContainerd.removeStale();
    String namespace =
        "dockmaster-p2p-"
            + ProcessHandle.current().pid()
            + "-"
            + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    P2PLab lab = new P2PLab(settings, namespace);
    lab.client = client;
    Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
    try {
      lab.build();
      return lab;
    } catch (IOException | RuntimeException e) {
      IllegalStateException failure =
          new IllegalStateException(
              "the P2P lab did not come up: " + e.getMessage() + "\n" + lab.diagnostics(), e);
      lab.closeQuietly();
      throw failure;
    }
  }

  private void build() throws IOException {
    Path work = Files.createDirectories(settings.workDir());
    network = NetworkLab.createWhenFree(settings.labWait());
    registryHost = network.addHost("registry", settings.registryLink());
    registry = LabRegistry.start(registryHost, Files.createDirectories(work.resolve("registry")));
    String kubeconfig = Files.readString(settings.devKubeconfig());
    Matcher server = SERVER.matcher(kubeconfig);
    if (!server.find()) {
      throw new IllegalStateException(
          settings.devKubeconfig()
              + " has no `server: https://127.0.0.1:<port>` line: the lab forwards that port to"
              + " the agents; start the dev control plane with `make dev-up`");
    }
    int apiPort = Integer.parseInt(server.group(1));
    network.forwardToLoopback(apiPort);
    agentKubeconfig = work.resolve("agents-kubeconfig");
    Files.deleteIfExists(agentKubeconfig);
    Files.createFile(
        agentKubeconfig,
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        agentKubeconfig,
        server.replaceFirst("server: https://" + NetworkLab.BRIDGE_ADDRESS + ":" + apiPort));

    settings.installCrds();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withMetadata(
                    new ObjectMetaBuilder()
                        .withName(namespace)
                        .withLabels(
                            Map.of(
                                OWNER_LABEL,
                                Long.toString(ProcessHandle.current().pid()),
                                LAB_LABEL,
                                "true"))
                        .build())
                .build())
        .create();
    operator =
        new LabOperator(
            LabOperator.command(
                settings.jar(), settings.operatorJvmOptions(), namespace, AGENT_REQUESTER),
            Map.of("KUBECONFIG", settings.devKubeconfig().toString()),
            work.resolve("operator.log"));
    operator.start();

    List<LinkShape> links = settings.nodeLinks();
    String format = links.size() < 100 ? "node-%02d" : "node-%03d";
    for (int i = 0; i < links.size(); i++) {
      LabHost host = network.addHost(format.formatted(i + 1), links.get(i));
      agents.add(
          new LabAgent(
              host,
              settings.jar(),
              settings.agentJvmOptions(),
              namespace,
              agentKubeconfig,
              work.resolve("cache").resolve(host.name()),
              work.resolve("certs.d").resolve(host.name()),
              work.resolve("agent-" + host.name() + ".log")));
    }
    Instant started = Instant.now();
    for (LabAgent agent : agents) {
      agent.start();
    }
    awaitLeases(agents, started);
  }

  /** Waits until each agent renewed its Lease after {@code since}; fails if one exits first. */
  private void awaitLeases(List<LabAgent> waiting, Instant since) {
    Instant notBefore = since.minusSeconds(2); // the API server's clock is this machine's
    await("Leases of " + waiting.size() + " agents in " + namespace)
        .atMost(LEASE_TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              Map<String, AgentLease> live = new TreeMap<>();
              for (Lease lease : client.leases().inNamespace(namespace).list().getItems()) {
                AgentLease.from(lease)
                    .filter(a -> a.isLive(Instant.now()) && !a.renewed().isBefore(notBefore))
                    .ifPresent(a -> live.put(a.node(), a));
              }
              for (LabAgent agent : waiting) {
                if (!live.containsKey(agent.node()) && !agent.isAlive()) {
                  throw new IllegalStateException(
                      agent
                          + " exited before its Lease was live; its log ends with:\n"
                          + LogTail.of(agent.log(), 30));
                }
              }
              return waiting.stream().allMatch(a -> live.containsKey(a.node()));
            });
  }

  public String namespace() {
    return namespace;
  }

  /** A client of the dev API server with the admin's credentials. */
  public KubernetesClient client() {
    return client;
  }

  public NetworkLab network() {
    return network;
  }

  public synchronized LabRegistry registry() {
    return registry;
  }

  public LabOperator operator() {
    return operator;
  }

  public List<LabAgent> agents() {
    return List.copyOf(agents);
  }

  public LabAgent agent(String node) {
    return agents.stream()
        .filter(a -> a.node().equals(node))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the lab has no node named " + node));
  }

  /**
   * Pushes a {@link RandomImage} of {@code layers} layers and {@code bytes} bytes to the lab
   * registry as {@code lab/<name>:<tag>}, with crane from $DOCKMASTER_CACHE/bin.
   */
  public RandomImage pushImage(String nameAndTag, int layers, long bytes, long seed)
      throws IOException {
    return pushImage(nameAndTag, RandomImage.layerPayloads(bytes, layers, 0), seed);
  }

  /** Pushes an image of random layers holding {@code layerPayloads} bytes each. */
  public RandomImage pushImage(String nameAndTag, List<Long> layerPayloads, long seed)
      throws IOException {
    return RandomImage.push(
        RandomImage.craneFromCache(),
        registry().address() + "/lab/" + nameAndTag,
        layerPayloads,
        seed,
        settings.workDir().resolve("image-" + nameAndTag.replaceAll("[^a-zA-Z0-9.-]", "-")));
  }

  /** Every blob a node receives for {@code image}: its manifest, config and layers. */
  public Set<String> imageBlobs(RandomImage image) {
    String manifest =
        LabCommand.run(
                RandomImage.craneFromCache().toString(),
                "manifest",
                "--insecure",
                image.referenceByDigest())
            .orFail()
            .stdout();
    Set<String> blobs = new TreeSet<>();
    blobs.add(image.digest());
    Matcher m = DIGEST.matcher(manifest);
    while (m.find()) {
      blobs.add(m.group(1));
    }
    return blobs;
  }

  /** An ImageMirror of {@code images} from the lab registry (plain HTTP), not applied yet. */
  public ImageMirror mirror(String name, String... images) {
    ImageMirror mirror = new ImageMirror();
    mirror.setMetadata(new ObjectMetaBuilder().withName(name).build());
    ImageMirrorSpec spec = new ImageMirrorSpec();
    UpstreamRegistry upstream = new UpstreamRegistry();
    upstream.setRegistry(registry().address());
    upstream.setInsecure(true);
    spec.setUpstream(upstream);
    spec.setImages(List.of(images));
    mirror.setSpec(spec);
    return mirror;
  }

  /** Creates or updates {@code mirror}, labelled so that {@link #close} deletes it. */
  public ImageMirror apply(ImageMirror mirror) {
    Map<String, String> labels = new TreeMap<>();
    if (mirror.getMetadata().getLabels() != null) {
      labels.putAll(mirror.getMetadata().getLabels());
    }
    labels.put(LAB_LABEL, namespace);
    mirror.getMetadata().setLabels(labels);
    return client.resource(mirror).forceConflicts().serverSideApply();
  }

  public Optional<ImageMirrorStatus> mirrorStatus(String name) {
    return Optional.ofNullable(client.resources(ImageMirror.class).withName(name).get())
        .map(ImageMirror::getStatus);
  }

  /** Deletes the mirror and waits until the operator has released it (its finalizer). */
  public void deleteMirror(String name) {
    client.resources(ImageMirror.class).withName(name).delete();
    await("ImageMirror " + name + " to be gone")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> client.resources(ImageMirror.class).withName(name).get() == null);
  }

  /** Node → the digests of {@code blobs} its cache lacks, for nodes that lack any. */
  public Map<String, Set<String>> missing(Set<String> blobs) {
    Map<String, Set<String>> missing = new LinkedHashMap<>();
    for (LabAgent agent : agents) {
      Set<String> lacking = new TreeSet<>(blobs);
      lacking.removeAll(agent.completeBlobs());
      if (!lacking.isEmpty()) {
        missing.put(agent.node(), lacking);
      }
    }
    return missing;
  }

  /** SIGKILLs one agent, as a node losing power; its Lease expires on its own. */
  public void killAgent(String node) {
    agent(node).kill();
  }

  /** Kills the agent if it runs, starts it again on the same cache, waits for its Lease. */
  public void restartAgent(String node) throws IOException {
    restartAgent(node, Map.of());
  }

  /**
   * The same, with more environment for the new process (e.g. {@code DOCKMASTER_DOWNLOAD_BANDWIDTH}
   * for its {@code --download-bandwidth}); a later restart without it drops it again.
   */
  public void restartAgent(String node, Map<String, String> environment) throws IOException {
    LabAgent agent = agent(node);
    agent.kill();
    Instant started = Instant.now();
    agent.start(environment);
    awaitLeases(List.of(agent), started);
  }

  /** SIGTERM and a fresh start: a new leader, which knows only what the agents tell it. */
  public void restartOperator() throws IOException {
    operator.restart();
  }

  /** SIGKILLs the registry; its storage stays for {@link #startRegistry}. */
  public synchronized void stopRegistry() {
    registry.stop();
  }

  /** Starts the registry again on the same storage and log (counters then cover both runs). */
  public synchronized LabRegistry startRegistry() throws IOException {
    registry = LabRegistry.start(registryHost, settings.workDir().resolve("registry"));
    return registry;
  }

  /**
   * The ends of the operator's and every agent's log (more of the operator's), for an assertion
   * message: {@code assertThat(...).as(lab::diagnostics)}.
   */
  public String diagnostics() {
    StringBuilder out = new StringBuilder();
    if (operator != null) {
      out.append("--- operator log ")
          .append(operator.log())
          .append(" (last 60 lines)\n")
          .append(LogTail.of(operator.log(), 60))
          .append('\n');
    }
    for (LabAgent agent : List.copyOf(agents)) {
      if (Files.exists(agent.log())) {
        out.append("--- ")
            .append(agent)
            .append(" log ")
            .append(agent.log())
            .append(" (last 15 lines)\n")
            .append(LogTail.of(agent.log(), 15))
            .append('\n');
      }
    }
    return out.toString();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Running as the shutdown hook itself.
    }
    List<RuntimeException> failures = new ArrayList<>();
    step(
        failures,
        () -> StaleLabs.deleteMirrors(client, namespace, operator != null && operator.isAlive()));
    step(
        failures,
        () -> {
          if (operator != null) {
            operator.stop();
          }
        });
    step(
        failures,
        () -> {
          if (network != null) {
            network.close();
          }
        });
    step(failures, () -> StaleLabs.deleteNamespace(client, settings, namespace));
    step(
        failures,
        () ->
            StaleLabs.deleteAgentRequests(
                client, agents.stream().map(LabAgent::node).toList(), created));
    step(
        failures,
        () -> {
          if (agentKubeconfig != null) {
            Files.deleteIfExists(agentKubeconfig);
          }
        });
    client.close();
    if (!failures.isEmpty()) {
      IllegalStateException failure =
          new IllegalStateException("closing the P2P lab left things behind", failures.get(0));
      failures.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      System.err.println("P2P lab cleanup: " + e.getMessage());
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  private static void step(List<RuntimeException> failures, Step step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(e);
    } catch (Exception e) {
      failures.add(new IllegalStateException(e.getMessage(), e));
    }
  }
}
