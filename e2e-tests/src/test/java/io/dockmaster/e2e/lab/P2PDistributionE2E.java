package io.dockmaster.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator and four agents as separate hosts: each agent in its own network namespace behind a
 * shaped veth, the upstream registry in another with a capped uplink, the operator on the host, all
 * against the dev API server. Upstream bytes are counted at the registry, from its log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class P2PDistributionE2E {

  private static final int NODES = 4;
  private static final LinkShape NODE_LINK = LinkShape.symmetricMbit(40);
  private static final LinkShape REGISTRY_LINK = LinkShape.symmetricMbit(40);

  @TempDir static Path work;
  static P2PLab lab;

  /**
   * The lab's logs go with its temporary directory; an assertion that fails outside an await would
   * otherwise leave nothing to read of what the operator and agents did.
   */
  @RegisterExtension
  static final TestWatcher LOGS_ON_FAILURE =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          if (lab != null) {
            System.err.println(
                "--- " + context.getDisplayName() + " failed; the lab:\n" + lab.diagnostics());
          }
        }
      };

  @BeforeAll
  static void start() throws IOException {
    lab = P2PLab.start(P2PLabSettings.uniform(NODES, NODE_LINK, REGISTRY_LINK, work));
  }

  @AfterAll
  static void stop() {
    if (lab != null) {
      lab.close();
    }
  }

  private static ConditionFactory await(Duration atMost) {
    return Awaitility.await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(250))
        .conditionEvaluationListener(
            condition -> {
              if (condition.getRemainingTimeInMS() <= 0) {
                System.err.println(lab.diagnostics());
              }
            });
  }

  private static ImageMirrorStatus status(String mirror) {
    return lab.mirrorStatus(mirror)
        .orElseThrow(() -> new AssertionError(mirror + " has no status"));
  }

  private static Optional<Condition> condition(String mirror, String type) {
    return status(mirror).getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  private static void awaitReady(String mirror, Duration atMost) {
    try {
      await(atMost)
          .untilAsserted(
              () -> {
                Condition ready = condition(mirror, "Ready").orElseThrow();
                assertThat(ready.getStatus()).as(ready.getMessage()).isEqualTo("True");
              });
    } catch (ConditionTimeoutException e) {
      System.err.println(lab.diagnostics());
      System.err.println("--- status of " + mirror + ": " + lab.mirrorStatus(mirror));
      throw e;
    }
  }

  @Test
  @Order(1)
  void everyNodeGetsByteIdenticalBlobsAndTheRegistryServesEachOnce() throws Exception {
    RandomImage image = lab.pushImage("multi:1", 4, 12L << 20, 1);
    Set<String> blobs = lab.imageBlobs(image);
    lab.registry().resetCounters();

    lab.apply(lab.mirror("multi", "lab/multi:1"));

    awaitReady("multi", Duration.ofSeconds(120));
    assertThat(lab.missing(blobs)).as("blobs each node still lacks").isEmpty();
    for (LabAgent agent : lab.agents()) {
      for (RandomImage.Layer layer : image.layers()) {
        Path file = agent.blobFile(layer.digest());
        assertThat(Files.size(file)).isEqualTo(layer.size());
        assertThat("sha256:" + sha256(file))
            .as("%s's copy of %s", agent.node(), layer.digest())
            .isEqualTo(layer.digest());
      }
    }
    for (RandomImage.Layer layer : image.layers()) {
      assertThat(lab.registry().blobRequests().get(layer.digest()))
          .as("GETs of %s at the registry", layer.digest())
          .isEqualTo(1L);
      assertThat(lab.registry().bytesServed(layer.digest())).isEqualTo(layer.size());
    }
    ImageMirrorStatus done = status("multi");
    assertThat(done.getNodesReady()).isEqualTo(NODES + "/" + NODES);
    assertThat(done.getImages())
        .as("per image: its digest, and on how many nodes it is complete")
        .singleElement()
        .satisfies(
            resolved -> {
              assertThat(resolved.getDigest()).isEqualTo(image.digest());
              assertThat(resolved.getNodesComplete()).isEqualTo(NODES);
            });
    assertThat(done.getBytesFromUpstream())
        .as("what the agents took from the registry, as they count it")
        .isBetween(image.layerBytes(), lab.registry().bytesServed());
    assertThat(done.getBytesFromPeers()).isGreaterThanOrEqualTo((NODES - 1) * image.layerBytes());
    for (LabAgent agent : lab.agents()) {
      assertThat(Files.readString(agent.log()))
          .as("%s hashed and encrypted natively (it runs without C2)", agent.node())
          .contains("Native crypto: AmazonCorrettoCryptoProvider");
    }
  }

  @Test
  @Order(2)
  void anotherHostWithoutACertificateGetsNothingFromAnAgent() {
    LabHost outsider = lab.agents().get(0).host();
    String peer = lab.agents().get(1).host().address();

    LabCommand.Result result =
        getFrom(outsider, "https://" + peer + ":" + LabAgent.PEER_PORT + "/v2/");

    assertThat(result.exitCode()).as("curl fails in the TLS handshake").isNotZero();
    assertThat(result.stdout()).as("no HTTP status, no body").isIn("", "000");

    // The port containerd pulls from, without TLS, listens on the node's loopback alone.
    LabCommand.Result runtime =
        getFrom(outsider, "http://" + peer + ":" + LabAgent.RUNTIME_PORT + "/v2/");
    assertThat(runtime.exitCode()).as("curl cannot connect (7)").isEqualTo(7);
    assertThat(runtime.stdout()).isIn("", "000");
  }

  /** A GET from the host, trusting any server certificate; prints the body, then the status. */
  private static LabCommand.Result getFrom(LabHost host, String url) {
    return host.exec(
        Duration.ofSeconds(20),
        java.util.List.of(
            "curl", "-sk", "--max-time", "10", "-o", "/dev/stdout", "-w", "%{http_code}", url));
  }

  @Test
  @Order(3)
  void theOperatorRestartedMidRunResumesWithoutFetchingAnythingTwice() throws Exception {
    RandomImage image = lab.pushImage("restart:1", 3, 24L << 20, 2);
    Set<String> blobs = lab.imageBlobs(image);
    lab.registry().resetCounters();

    lab.apply(lab.mirror("restart", "lab/restart:1"));
    await(Duration.ofSeconds(60))
        .until(
            () ->
                lab.agents().stream()
                    .anyMatch(a -> a.completeBlobs().contains(image.layers().get(0).digest())));
    lab.restartOperator();

    awaitReady("restart", Duration.ofSeconds(180));
    assertThat(lab.missing(blobs)).isEmpty();
    for (RandomImage.Layer layer : image.layers()) {
      assertThat(lab.registry().blobRequests().get(layer.digest()))
          .as("a layer fetched from the registry before the restart is not fetched again")
          .isEqualTo(1L);
    }
  }

  @Test
  @Order(4)
  void aNodeKilledMidTransferLeavesTheOthersComplete() throws Exception {
    RandomImage image = lab.pushImage("kill:1", 2, 32L << 20, 3);
    Set<String> blobs = lab.imageBlobs(image);

    lab.apply(lab.mirror("kill", "lab/kill:1"));
    // The victim holds part of the image, not all of it: it is killed mid-transfer, while it
    // may also be relaying to the others.
    AtomicReference<String> partway = new AtomicReference<>();
    await(Duration.ofSeconds(60))
        .until(
            () -> {
              lab.agents().stream()
                  .filter(
                      a -> {
                        Set<String> held = a.completeBlobs();
                        return held.stream().anyMatch(blobs::contains) && !held.containsAll(blobs);
                      })
                  .findFirst()
                  .ifPresent(a -> partway.set(a.node()));
              return partway.get() != null;
            });
    String victim = partway.get();
    lab.killAgent(victim);
    try {
      await(Duration.ofSeconds(180))
          .untilAsserted(
              () -> {
                Map<String, Set<String>> missing = lab.missing(blobs);
                missing.remove(victim);
                assertThat(missing).as("blobs the surviving nodes lack").isEmpty();
              });
      // Once its Lease expires the dead node is no longer desired and the mirror is Ready.
      await(Duration.ofSeconds(90))
          .untilAsserted(
              () -> {
                assertThat(status("kill").getNodesReady())
                    .isEqualTo((NODES - 1) + "/" + (NODES - 1));
                assertThat(condition("kill", "Ready").orElseThrow().getStatus()).isEqualTo("True");
              });
    } finally {
      // The later scenarios need every node.
      lab.restartAgent(victim);
    }
    await(Duration.ofSeconds(120)).until(() -> lab.missing(blobs).isEmpty());
  }

  @Test
  @Order(5)
  void anUnreachableUpstreamIsDegradedWithTheReasonAndRecovers() throws Exception {
    RandomImage image = lab.pushImage("outage:1", 1, 2L << 20, 4);
    lab.stopRegistry();

    lab.apply(lab.mirror("outage", "lab/outage:1"));
    await(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              Condition degraded = condition("outage", "Degraded").orElseThrow();
              assertThat(degraded.getStatus()).isEqualTo("True");
              assertThat(degraded.getReason()).isEqualTo("UpstreamUnreachable");
              assertThat(degraded.getMessage()).contains(lab.registry().address());
            });

    lab.startRegistry();
    awaitReady("outage", Duration.ofSeconds(120));
    assertThat(lab.missing(lab.imageBlobs(image))).isEmpty();
    assertThat(condition("outage", "Degraded").orElseThrow().getStatus()).isEqualTo("False");
  }

  @Test
  @Order(6)
  void aTagMovedUpstreamIsPrefetchedAtTheNextRefresh() throws Exception {
    RandomImage first = lab.pushImage("moving:1", 1, 1L << 20, 5);
    ImageMirror mirror = lab.mirror("moving", "lab/moving:1");
    mirror.getSpec().setRefreshInterval("30s"); // the shortest the operator accepts
    lab.apply(mirror);
    awaitReady("moving", Duration.ofSeconds(60));

    RandomImage second = lab.pushImage("moving:1", 1, 1L << 20, 6);
    assertThat(second.digest()).isNotEqualTo(first.digest());

    await(Duration.ofSeconds(150))
        .untilAsserted(
            () -> {
              assertThat(status("moving").getImages().get(0).getDigest())
                  .isEqualTo(second.digest());
              assertThat(lab.missing(lab.imageBlobs(second))).isEmpty();
            });
  }

  @Test
  @Order(7)
  void containerdPullsAMirroredImageFromItsAgentAndFallsBackUpstreamForTheRest() throws Exception {
    LabAgent node = lab.agents().get(0);
    RandomImage mirrored = lab.pushImage("runtime:1", 2, 4L << 20, 7);
    RandomImage unmirrored = lab.pushImage("upstream-only:1", 2, 3L << 20, 8);
    Set<String> mirroredBlobs = lab.imageBlobs(mirrored);
    ImageMirror mirror = lab.mirror("runtime", "lab/runtime:1");
    mirror.getSpec().setMirrorRuntime(true);
    lab.apply(mirror);
    awaitReady("runtime", Duration.ofSeconds(120));
    await(Duration.ofSeconds(60)).until(() -> lab.missing(mirroredBlobs).isEmpty());
    Path hostsToml =
        node.containerdConfigDir().resolve(lab.registry().address()).resolve("hosts.toml");
    await(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(hostsToml)
                    .content()
                    .contains("server = \"http://" + lab.registry().address() + "\"")
                    .contains("[host.\"http://127.0.0.1:" + LabAgent.RUNTIME_PORT + "\"]"));

    try (LabContainerd containerd =
        LabContainerd.start(node.host(), work.resolve("containerd-" + node.node() + ".log"))) {
      double servedBefore = servedToRuntime(node);
      lab.registry().resetCounters();

      containerd.pull(mirrored.reference(), node.containerdConfigDir()).orFail();

      assertThat(lab.registry().requestsFrom("containerd"))
          .as("requests containerd sent to the registry for a mirrored image")
          .isZero();
      assertThat(containerd.imageDigest(mirrored.reference())).contains(mirrored.digest());
      assertThat(containerd.check(mirrored.reference()))
          .as("ctr images check: every blob stored, unpacked into the overlayfs snapshotter")
          .contains(" complete (")
          .matches(".*\\strue\\s*");
      long mirroredBytes = 0;
      for (String blob : mirroredBlobs) {
        assertThat(Files.mismatch(containerd.contentFile(blob), node.blobFile(blob)))
            .as("containerd's copy of %s against the agent's", blob)
            .isEqualTo(-1L);
        mirroredBytes += Files.size(node.blobFile(blob));
      }
      double expectedServed = servedBefore + mirroredBytes;
      // The agent counts a chunk just after handing it to the connection: await the last one.
      await(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(servedToRuntime(node))
                      .as("bytes the agent served to containerd: manifest, config, layers, once")
                      .isEqualTo(expectedServed));

      // Not in any ImageMirror: the agent answers 404 and containerd goes to the registry.
      Set<String> upstreamBlobs = new TreeSet<>(lab.imageBlobs(unmirrored));
      upstreamBlobs.remove(unmirrored.digest()); // manifests are no blob GETs
      double servedBeforeFallback = servedToRuntime(node);
      lab.registry().resetCounters();

      containerd.pull(unmirrored.reference(), node.containerdConfigDir()).orFail();

      assertThat(containerd.imageDigest(unmirrored.reference())).contains(unmirrored.digest());
      await(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(lab.registry().blobRequests())
                      .as("blob GETs at the registry")
                      .containsAllEntriesOf(
                          upstreamBlobs.stream().collect(Collectors.toMap(b -> b, b -> 1L))));
      for (String blob : upstreamBlobs) {
        assertThat("sha256:" + sha256(containerd.contentFile(blob))).isEqualTo(blob);
      }
      assertThat(servedToRuntime(node))
          .as("bytes the agent served to containerd for an image it does not have")
          .isEqualTo(servedBeforeFallback);
    }
  }

  private static double servedToRuntime(LabAgent agent) {
    return PrometheusText.sum(
        agent.metrics(), "dockmaster_agent_bytes_total", "flow=\"served_runtime\"");
  }

  @Test
  @Order(8)
  void aPeerServingCorruptBytesIsCaughtReportedAndTheBlobFetchedElsewhere() throws Exception {
    aRottenHoldersCopyIsCaughtAndFetchedAgain("rot", 16L << 20, 9, false);
  }

  /**
   * A layer more than 1.5 times the 16 MiB minimum piece moves in pieces (two, here), which the
   * receivers hash only once all are in; they name every peer that sent them one.
   */
  @Test
  @Order(9)
  void aRottenCopyOfALayerMovedInPiecesIsCaughtAndTheLayerFetchedAgain() throws Exception {
    aRottenHoldersCopyIsCaughtAndFetchedAgain("rotpieces", 40L << 20, 19, true);
  }

  private void aRottenHoldersCopyIsCaughtAndFetchedAgain(
      String name, long layerSize, int seed, boolean inPieces) throws Exception {
    RandomImage image = lab.pushImage(name + ":1", 1, layerSize, seed);
    RandomImage.Layer layer = image.layers().get(0);
    LabAgent rotten = lab.agents().get(0);
    List<LabAgent> others = lab.agents().subList(1, lab.agents().size());
    // While the node was down its disk garbled a layer it holds; a cache does not re-hash what it
    // finds on start, so the agent comes back claiming a complete copy.
    rotten.stop();
    Path file = rotten.blobFile(layer.digest());
    Files.createDirectories(file.getParent());
    byte[] garbage = new byte[(int) layer.size()];
    new Random(99).nextBytes(garbage);
    Files.write(file, garbage);
    lab.restartAgent(rotten.node());
    // It is the only node when the mirror arrives, so it holds the layer in every later plan and
    // the others must fetch it from there (the registry serves a layer no node holds, only).
    for (LabAgent other : others) {
      other.stop();
    }
    lab.apply(lab.mirror(name, "lab/" + name + ":1"));
    awaitReady(name, Duration.ofSeconds(60));
    assertThat(status(name).getNodesReady()).isEqualTo("1/1");
    lab.registry().resetCounters();

    for (LabAgent other : others) {
      lab.restartAgent(other.node());
    }

    await(Duration.ofSeconds(180))
        .untilAsserted(() -> assertThat(status(name).getNodesReady()).isEqualTo("4/4"));
    awaitReady(name, Duration.ofSeconds(30));
    for (LabAgent agent : lab.agents()) {
      assertThat("sha256:" + sha256(agent.blobFile(layer.digest())))
          .as("%s's copy of %s, the garbled node's included", agent.node(), layer.digest())
          .isEqualTo(layer.digest());
    }
    assertThat(status(name).getFailures())
        .as("the receivers' reports reach the status with the source named")
        .anySatisfy(
            failure -> {
              // A piece's failure names the piece: the blob's digest, then @offset+length.
              assertThat(failure.getBlob()).startsWith(layer.digest());
              assertThat(failure.getReason()).isEqualTo("DigestMismatch");
              assertThat(failure.getMessage()).contains("peer/" + rotten.node());
            });
    assertThat(
            PrometheusText.sum(rotten.metrics(), "dockmaster_agent_cache_digest_mismatches_total"))
        .as("the garbled node re-hashed its copy when asked and dropped it")
        .isGreaterThanOrEqualTo(1.0);
    assertThat(lab.registry().blobRequests().get(layer.digest()))
        .as("the layer came again from upstream once no good copy was left")
        .isNotNull()
        .isGreaterThanOrEqualTo(1L);
    if (inPieces) {
      assertThat(lab.registry().blobRangeRequests().getOrDefault(layer.digest(), 0L))
          .as("it came in its two pieces, each asked for by range")
          .isGreaterThanOrEqualTo(2L);
    }
  }

  @Test
  @Order(10)
  void aSlowNodeDoesNotHoldTheOthersToItsPace() throws Exception {
    // Every agent announces its rate in its Lease, one a sixteenth of the others', so the planner
    // makes that one a leaf. Its parents pace their own intake to the peers they relay to: had they
    // kept pace with it for good, every node would have gone at its rate.
    LabAgent slow = lab.agents().get(NODES - 1);
    List<LabAgent> fast = lab.agents().subList(0, NODES - 1);
    for (LabAgent agent : lab.agents()) {
      lab.restartAgent(agent.node(), bandwidth(agent == slow ? "256Ki" : "4Mi"));
    }
    RandomImage image = lab.pushImage("slow:1", 2, 64L << 20, 10);
    Set<String> blobs = lab.imageBlobs(image);
    try {
      lab.apply(lab.mirror("slow", "lab/slow:1"));

      await(Duration.ofSeconds(120))
          .untilAsserted(
              () ->
                  assertThat(fast)
                      .allSatisfy(
                          agent ->
                              assertThat(agent.completeBlobs())
                                  .as("%s's blobs", agent.node())
                                  .containsAll(blobs)));
      double slowReceived =
          PrometheusText.sum(slow.metrics(), "dockmaster_agent_bytes_total", "flow=\"peer\"")
              + PrometheusText.sum(
                  slow.metrics(), "dockmaster_agent_bytes_total", "flow=\"upstream\"");
      // Held to its pace, the others would have finished only once it had all but the relay
      // window and the sockets' buffers of each layer (about 40 of 64 MiB, after 160 s); let go,
      // they finish while it has a few MiB.
      assertThat(slowReceived)
          .as("bytes the slow node had when the others were done")
          .isLessThan(0.4 * image.layerBytes());
      assertThat(
              PrometheusText.sum(
                  slow.metrics(), "dockmaster_agent_bytes_total", "flow=\"served_peer\""))
          .as("bytes the slow node relayed: the config blob at most")
          .isLessThan(64 * 1024);
      // Let go as still or as slow: a slow reader with deep socket buffers moves in bursts.
      double letGo =
          fast.stream()
              .mapToDouble(
                  agent ->
                      PrometheusText.sum(agent.metrics(), "dockmaster_agent_relay_released_total"))
              .sum();
      assertThat(letGo).as("relaying peers let go").isGreaterThanOrEqualTo(1.0);
      assertThat(fast)
          .anySatisfy(
              agent ->
                  assertThat(Files.readString(agent.log()))
                      .containsPattern(
                          "no longer [a-z ]+ dockmaster-agent:"
                              + slow.node()
                              + ", .* it is served at its own pace"));
    } finally {
      for (LabAgent agent : lab.agents()) {
        lab.restartAgent(agent.node());
      }
    }
    await(Duration.ofSeconds(120)).until(() -> lab.missing(blobs).isEmpty());
  }

  private static Map<String, String> bandwidth(String perSecond) {
    return Map.of(
        "DOCKMASTER_UPLOAD_BANDWIDTH", perSecond, "DOCKMASTER_DOWNLOAD_BANDWIDTH", perSecond);
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        sha.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
