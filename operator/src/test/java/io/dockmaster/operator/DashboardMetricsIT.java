package io.dockmaster.operator;

import static io.dockmaster.testing.Metrics.scrape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dockmaster.admission.AdmissionSettings;
import io.dockmaster.admission.Registration;
import io.dockmaster.agent.LocalAgents;
import io.dockmaster.agent.NodeAgent;
import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.api.v1alpha1.ImageMirrorSpec;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.UpstreamRegistry;
import io.dockmaster.peering.AgentCsrPolicy;
import io.dockmaster.peering.ApiRequester;
import io.dockmaster.testing.Crds;
import io.dockmaster.testing.OperatorNamespace;
import io.dockmaster.testing.RegistryServer;
import io.dockmaster.testing.TestImages;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the chart's Grafana dashboard reads is one Dockmaster really exposes: the operator
 * (with its webhook) and two agents against a real API server and registry, after one admission
 * refusal and one completed ImageMirror run, since many meters appear only once they have counted
 * something. A renamed meter, a unit suffix Micrometer adds or a histogram that is not published
 * fails here instead of leaving an empty panel.
 */
@EnableKubeAPIServer
class DashboardMetricsIT {

  private static final String NS = OperatorNamespace.NAME;
  private static final String TEAM = "team";
  private static final int AGENTS = 2;

  static KubernetesClient client;
  static RegistryServer registry;
  static DockmasterOperator operator;
  static final List<NodeAgent> agents = new ArrayList<>();
  static String image;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryServer.distribution().start();
    image = registry.host() + "/team/app:1";
    // No USER: the image runs as root, which the policy below refuses.
    TestImages.anonymous()
        .push(
            image,
            TestImages.layer(tmp, Map.of("app.txt", "dashboard metrics " + System.nanoTime())));

    Crds.install(client);
    OperatorNamespace.ensure(client);
    OperatorNamespace.ensure(client, TEAM);
    operator =
        DockmasterOperator.start(
            client,
            OperatorSettings.local(NS)
                .withAgentCertificates(
                    new AgentCsrPolicy(
                        List.of(ApiRequester.usernameOf(client)), false, Duration.ofHours(1)))
                .withAdmission(
                    AdmissionSettings.local(
                        Files.createDirectories(tmp.resolve("webhook")),
                        0,
                        new Registration.Local(List.of(NS)))));
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
  void everyMetricTheDashboardReadsIsExposedByTheOperatorOrAnAgent() {
    client.resource(nonRootPolicy()).create();
    Pod root =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(TEAM)
            .withName("root")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("app")
            .withImage(image)
            .endContainer()
            .endSpec()
            .build();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> client.resource(root).dryRun().create())
                    .hasMessageContaining("RUNS_AS_ROOT"));

    client.resource(mirror()).create();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              ImageMirror current = client.resources(ImageMirror.class).withName("app").get();
              assertThat(current.getStatus()).isNotNull();
              assertThat(current.getStatus().getNodesReady()).isEqualTo(AGENTS + "/" + AGENTS);
            });
    // The GC pause timer is registered at the first collection after start, which a short run on
    // a large heap may not have had yet.
    System.gc();

    Set<String> wanted = Dashboard.load().metricNames();
    assertThat(wanted)
        .as("names read from the dashboard's queries")
        .contains("dockmaster_admission_requests_total", "dockmaster_agent_bytes_total");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Set<String> exposed = exposedNames();
              assertThat(exposed)
                  .as(
                      "metrics the dashboard (%s) reads but Dockmaster does not expose; exposed: %s",
                      Dashboard.FILE, exposed)
                  .containsAll(wanted);
            });
  }

  /** The sample names on the operator's and every agent's {@code /metrics}. */
  private static Set<String> exposedNames() throws Exception {
    Set<String> names = new TreeSet<>();
    names.addAll(sampleNames(scrape(operator.healthPort())));
    for (NodeAgent agent : agents) {
      names.addAll(sampleNames(scrape(agent.healthPort())));
    }
    return names;
  }

  private static Set<String> sampleNames(String prometheusText) {
    Set<String> names = new TreeSet<>();
    prometheusText
        .lines()
        .filter(line -> !line.isBlank() && !line.startsWith("#"))
        .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
    return names;
  }

  private static ImagePolicy nonRootPolicy() {
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setImages(List.of(registry.host() + "/**"));
    spec.setRunAsNonRoot(true);
    ImagePolicy policy = new ImagePolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("non-root").build());
    policy.setSpec(spec);
    return policy;
  }

  private static ImageMirror mirror() {
    ImageMirrorSpec spec = new ImageMirrorSpec();
    UpstreamRegistry upstream = new UpstreamRegistry();
    upstream.setRegistry(registry.host());
    spec.setUpstream(upstream);
    spec.setImages(List.of("team/app:1"));
    ImageMirror mirror = new ImageMirror();
    mirror.setMetadata(new ObjectMetaBuilder().withName("app").build());
    mirror.setSpec(spec);
    return mirror;
  }
}
