package io.dockmaster.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dockmaster.agent.LocalAgents;
import io.dockmaster.agent.NodeAgent;
import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorSpec;
import io.dockmaster.api.v1alpha1.UpstreamRegistry;
import io.dockmaster.operator.DockmasterOperator;
import io.dockmaster.operator.OperatorSettings;
import io.dockmaster.peering.AgentCertificateAuthority;
import io.dockmaster.peering.AgentCsrPolicy;
import io.dockmaster.peering.ApiRequester;
import io.dockmaster.peering.PeerName;
import io.dockmaster.peering.PeerTls;
import io.dockmaster.registry.Digest;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.testing.Crds;
import io.dockmaster.testing.Metrics;
import io.dockmaster.testing.OperatorNamespace;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator and three node agents (in this JVM, on loopback) against a real API server and a
 * real registry: certificates through the CSR API, Leases, planning, node-to-node streaming, and
 * the agents' refusal of anyone without a Dockmaster certificate.
 */
@EnableKubeAPIServer
class PrefetchIT {

  private static final String NS = OperatorNamespace.NAME;
  private static final int AGENTS = 3;

  static KubernetesClient client;
  static RegistryServer registry;
  static DockmasterOperator operator;
  static final List<NodeAgent> agents = new ArrayList<>();
  static List<String> layers;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.distribution().start();
    TestImages crane = TestImages.anonymous();
    String reference = registry.host() + "/team/app:1";
    for (int i = 0; i < 3; i++) {
      Path layer = TestImages.layer(tmp, Map.of("data-" + i + ".bin", random(512 * 1024)));
      if (i == 0) {
        crane.crane("append", "-f", layer.toString(), "-t", reference);
      } else {
        crane.crane("append", "-f", layer.toString(), "-b", reference, "-t", reference);
      }
    }
    layers = new ArrayList<>();
    Matcher m =
        Pattern.compile("\"(sha256:[0-9a-f]{64})\"").matcher(crane.crane("manifest", reference));
    while (m.find()) {
      layers.add(m.group(1));
    }
    layers.remove(0); // the config comes first; the rest are the layers
    assertThat(layers).hasSize(3);

    Crds.install(client);
    OperatorNamespace.ensure(client);
    String requester = ApiRequester.usernameOf(client);
    operator =
        DockmasterOperator.start(
            client,
            OperatorSettings.local(NS)
                .withAgentCertificates(
                    new AgentCsrPolicy(List.of(requester), false, Duration.ofHours(1))));
    for (int i = 1; i <= AGENTS; i++) {
      Path cache = Files.createDirectories(tmp.resolve("cache-" + i));
      agents.add(NodeAgent.start(client, LocalAgents.settings("node-" + i, NS, cache)));
    }
  }

  @AfterAll
  static void stop() {
    agents.forEach(NodeAgent::close);
    if (operator != null) {
      operator.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void everyNodeGetsEveryLayerWhileTheRegistryServesEachLayerOnce() throws Exception {
    client.resource(mirror("app", "team/app:1")).create();

    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              ImageMirror current = client.resources(ImageMirror.class).withName("app").get();
              assertThat(current.getStatus()).isNotNull();
              assertThat(current.getStatus().getNodesReady()).isEqualTo(AGENTS + "/" + AGENTS);
              Condition ready =
                  ConditionSet.find(current.getStatus().getConditions(), "Ready").orElseThrow();
              assertThat(ready.getStatus()).as(ready.getMessage()).isEqualTo("True");
            });
    ImageMirror done = client.resources(ImageMirror.class).withName("app").get();
    assertThat(done.getStatus().getProgress()).isEqualTo("100%");
    assertThat(done.getStatus().getBytesFromPeers())
        .as("at least one node got its layers from a peer")
        .isPositive();

    for (NodeAgent agent : agents) {
      double hitsBefore = runtimeLookups(agent, "blob", "hit");
      for (String layer : layers) {
        HttpResponse<byte[]> blob = fromRuntimePort(agent, "team/app", layer);
        assertThat(blob.statusCode()).isEqualTo(200);
        assertThat(Digest.sha256(blob.body()).toString())
            .as("the copy on a node is byte-identical to the registry's")
            .isEqualTo(layer);
      }
      assertThat(runtimeLookups(agent, "blob", "hit"))
          .as("each a local hit, counted")
          .isEqualTo(hitsBefore + layers.size());
    }
    for (String layer : layers) {
      assertThat(blobGets(layer))
          .as("the registry served %s to exactly one node", layer)
          .isEqualTo(1);
    }
  }

  @Test
  void aLayerMuchLargerThanTheRestMovesInPiecesEachFetchedFromTheRegistryOnce() throws Exception {
    TestImages crane = TestImages.anonymous();
    String reference = registry.host() + "/team/big:1";
    crane.crane(
        "append",
        "-f",
        TestImages.layer(tmp, Map.of("large.bin", random(40 << 20))).toString(),
        "-t",
        reference);
    crane.crane(
        "append",
        "-f",
        TestImages.layer(tmp, Map.of("small.bin", random(600 << 10))).toString(),
        "-b",
        reference,
        "-t",
        reference);
    Matcher m =
        Pattern.compile("\"size\":(\\d+),\"digest\":\"(sha256:[0-9a-f]{64})\"")
            .matcher(crane.crane("manifest", reference));
    String large = null;
    long largest = 0;
    while (m.find()) {
      if (Long.parseLong(m.group(1)) > largest) {
        largest = Long.parseLong(m.group(1));
        large = m.group(2);
      }
    }

    client.resource(mirror("big", "team/big:1")).create();

    Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () -> {
              ImageMirror current = client.resources(ImageMirror.class).withName("big").get();
              assertThat(current.getStatus()).isNotNull();
              assertThat(current.getStatus().getNodesReady()).isEqualTo(AGENTS + "/" + AGENTS);
            });
    for (NodeAgent agent : agents) {
      HttpResponse<byte[]> blob = fromRuntimePort(agent, "team/big", large);
      assertThat(blob.statusCode()).isEqualTo(200);
      assertThat(blob.version())
          .as("the runtime port speaks HTTP/1.1 whatever the client offers")
          .isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(Digest.sha256(blob.body()).toString())
          .as("pieces from several sources make a byte-identical copy on every node")
          .isEqualTo(large);
    }
    assertThat(blobGets(large, 206))
        .as("the registry served each piece of %s (%d bytes) once, by range", large, largest)
        .isEqualTo(2);
    assertThat(blobGets(large, 200)).as("and the whole blob never").isZero();
  }

  @Test
  void theRuntimePortAnswersAtOnceForWhatTheNodeDoesNotHave() throws Exception {
    double missesBefore = runtimeLookups(agents.get(0), "manifest", "miss");
    HttpResponse<String> missing =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + agents.get(0).runtimePort()
                                + "/v2/team/other/manifests/latest?ns="
                                + registry.host()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("MANIFEST_UNKNOWN");
    assertThat(runtimeLookups(agents.get(0), "manifest", "miss")).isEqualTo(missesBefore + 1);
  }

  @Test
  void deletingAMirrorUnpinsItsBlobsOnEveryNode() throws Exception {
    String reference = registry.host() + "/team/pinned:1";
    Path layer = TestImages.layer(tmp, Map.of("pinned.bin", random(256 * 1024)));
    TestImages.anonymous().crane("append", "-f", layer.toString(), "-t", reference);
    Map<NodeAgent, Double> pinnedBefore = new HashMap<>();
    for (NodeAgent agent : agents) {
      pinnedBefore.put(agent, pinnedBytes(agent));
    }

    client.resource(mirror("pinned", "team/pinned:1")).create();
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              for (NodeAgent agent : agents) {
                assertThat(pinnedBytes(agent))
                    .as("agent %d pins the image's blobs", agents.indexOf(agent))
                    .isGreaterThan(pinnedBefore.get(agent));
              }
            });

    client.resources(ImageMirror.class).withName("pinned").delete();

    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(client.resources(ImageMirror.class).withName("pinned").get()).isNull();
              for (NodeAgent agent : agents) {
                assertThat(pinnedBytes(agent))
                    .as("agent %d: the deleted mirror's pins are gone", agents.indexOf(agent))
                    .isEqualTo(pinnedBefore.get(agent));
              }
            });
  }

  /** The agent's count of its runtime's lookups of this kind and outcome, from its metrics. */
  private static double runtimeLookups(NodeAgent agent, String kind, String outcome)
      throws Exception {
    Pattern sample =
        Pattern.compile(
            "^dockmaster_agent_runtime_lookups_total\\{(?=[^}]*kind=\"%s\")(?=[^}]*outcome=\"%s\")[^}]*\\} (\\S+)$"
                .formatted(kind, outcome),
            Pattern.MULTILINE);
    Matcher found = sample.matcher(metricsOf(agent));
    return found.find() ? Double.parseDouble(found.group(1)) : 0;
  }

  private static double pinnedBytes(NodeAgent agent) throws Exception {
    Matcher found =
        Pattern.compile("^dockmaster_agent_cache_pinned_bytes (\\S+)$", Pattern.MULTILINE)
            .matcher(metricsOf(agent));
    assertThat(found.find()).as("the agent exposes its pinned bytes").isTrue();
    return Double.parseDouble(found.group(1));
  }

  private static String metricsOf(NodeAgent agent) throws Exception {
    return Metrics.scrape(agent.healthPort());
  }

  @Test
  void thePeerPortRefusesClientsWithoutADockmasterCertificate() throws Exception {
    URI base = URI.create("https://127.0.0.1:" + agents.get(0).peerPort());
    HttpClient anonymous = HttpClient.newBuilder().sslContext(trustingEverything()).build();
    assertThatThrownBy(
            () ->
                anonymous.send(
                    HttpRequest.newBuilder(base.resolve("/v2/")).build(),
                    HttpResponse.BodyHandlers.ofString()))
        .as("no client certificate: the handshake fails, nothing is served")
        .isInstanceOf(IOException.class);

    AgentCertificateAuthority ca = AgentCertificateAuthority.loadOrCreate(client, NS);
    PeerTls intruder =
        new PeerTls(() -> ca.issueAgentIdentity("intruder", Duration.ofHours(1)), ca.certificate());
    HttpResponse<String> control =
        intruder
            .httpClient(PeerName.agent("node-1"))
            .build()
            .send(
                HttpRequest.newBuilder(base.resolve("/control/v1/inventory"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"digests\":[]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(control.statusCode())
        .as("an agent's certificate does not open the operator's control channel")
        .isEqualTo(403);
  }

  /** A blob as the node's containerd would get it: from the agent's runtime port. */
  private static HttpResponse<byte[]> fromRuntimePort(
      NodeAgent agent, String repository, String digest) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + agent.runtimePort()
                            + "/v2/"
                            + repository
                            + "/blobs/"
                            + digest))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
  }

  private static long blobGets(String digest) {
    return blobGets(digest, 200);
  }

  private static long blobGets(String digest, int status) {
    Pattern get =
        Pattern.compile(
            "http\\.request\\.method=GET .*http\\.request\\.uri=\"/v2/[^\"]+/blobs/"
                + Pattern.quote(digest)
                + "\".*http\\.response\\.status="
                + status);
    return registry.log().lines().filter(line -> get.matcher(line).find()).count();
  }

  private static ImageMirror mirror(String name, String... images) {
    ImageMirror mirror = new ImageMirror();
    mirror.setMetadata(new ObjectMetaBuilder().withName(name).build());
    ImageMirrorSpec spec = new ImageMirrorSpec();
    UpstreamRegistry upstream = new UpstreamRegistry();
    upstream.setRegistry(registry.host());
    spec.setUpstream(upstream);
    spec.setImages(List.of(images));
    mirror.setSpec(spec);
    return mirror;
  }

  private static String random(int bytes) {
    byte[] data = new byte[bytes];
    new SecureRandom().nextBytes(data);
    return Base64.getEncoder().encodeToString(data);
  }

  private static SSLContext trustingEverything() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    TrustManager trustAll =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    context.init(null, new TrustManager[] {trustAll}, null);
    return context;
  }
}
