package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The chart's NetworkPolicy for the operator pods, as {@code helm template} renders it: which pods
 * it selects and which ports it opens, compared with the rendered Deployment and DaemonSet rather
 * than with fixed strings; egress when asked for; schema and cross-field errors; and the policies
 * validated by the dev API server with a server-side dry run. Whether a CNI enforces them is not
 * tested: the dev cluster runs no pods.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChartNetworkPolicyE2E {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final String RELEASE = "dm";
  private static final String NAMESPACE = "dockmaster";

  /** Every source and destination narrowed, egress on: the most the templates can render. */
  private static final String[] NARROWED = {
    "--set", "networkPolicy.webhook.from[0].ipBlock.cidr=10.0.0.0/24",
    "--set", "networkPolicy.metrics.from[0].namespaceSelector.matchLabels.team=monitoring",
    "--set", "networkPolicy.metrics.from[0].podSelector.matchLabels.app=prometheus",
    "--set", "networkPolicy.egress.enabled=true",
    "--set", "networkPolicy.egress.dns.to[0].namespaceSelector.matchLabels.team=dns",
    "--set", "networkPolicy.egress.apiServer.to[0].ipBlock.cidr=10.0.0.0/24",
    "--set", "networkPolicy.egress.apiServer.ports={6443}",
    "--set", "networkPolicy.egress.registries.to[0].ipBlock.cidr=0.0.0.0/0",
    "--set", "networkPolicy.egress.registries.to[0].ipBlock.except={10.0.0.0/8}",
    "--set", "networkPolicy.egress.registries.ports={443,5000}",
    "--set", "networkPolicy.egress.agents.to[0].ipBlock.cidr=192.168.0.0/16",
    "--set", "networkPolicy.egress.extraRules[0].ports[0].port=4317",
    "--set", "agent.peerPort=31000"
  };

  private ChartRenderer chart;

  @BeforeAll
  void setUp() throws IOException {
    chart = ChartRenderer.forRelease(RELEASE);
  }

  @Test
  void theDefaultPolicySelectsOnlyTheOperatorPodsAndOpensEveryPortTheyServeToAnySource()
      throws IOException {
    List<JsonNode> objects = render();
    JsonNode policy = only(objects, "NetworkPolicy");
    JsonNode deployment = only(objects, "Deployment");
    JsonNode daemonSet = only(objects, "DaemonSet");

    JsonNode selector = policy.at("/spec/podSelector/matchLabels");
    assertThat(selector).isEqualTo(deployment.at("/spec/selector/matchLabels"));
    assertThat(selects(selector, deployment.at("/spec/template/metadata/labels"))).isTrue();
    assertThat(selects(selector, daemonSet.at("/spec/template/metadata/labels")))
        .as("the agents are on the host network, which NetworkPolicy does not cover")
        .isFalse();

    assertThat(texts(policy.at("/spec/policyTypes"))).containsExactly("Ingress");
    assertThat(policy.at("/spec/egress").isMissingNode()).isTrue();
    JsonNode ingress = policy.at("/spec/ingress");
    assertThat(ingress).allSatisfy(rule -> assertThat(rule.has("from")).isFalse());
    assertThat(ruleTcpPorts(ingress))
        .as("exactly the operator container's named ports, the webhook's and the metrics'")
        .isEqualTo(namedPorts(deployment))
        .containsExactlyInAnyOrder("https-webhook", "http-metrics");

    assertThat(render("--set", "networkPolicy.enabled=false"))
        .noneMatch(o -> ChartRenderer.kind(o).equals("NetworkPolicy"));
  }

  @Test
  void withoutAdmissionOnlyTheMetricsPortIsOpen() throws IOException {
    List<JsonNode> objects = render("--set", "webhook.mode=off");
    assertThat(ruleTcpPorts(only(objects, "NetworkPolicy").at("/spec/ingress")))
        .isEqualTo(namedPorts(only(objects, "Deployment")))
        .containsExactly("http-metrics");
  }

  @Test
  void narrowedSourcesAndEgressAreRenderedAsGiven() throws IOException {
    List<JsonNode> objects = render(NARROWED);
    JsonNode policy = only(objects, "NetworkPolicy");
    assertThat(texts(policy.at("/spec/policyTypes"))).containsExactly("Ingress", "Egress");

    Map<String, JsonNode> ingressByPort = byFirstPort(policy.at("/spec/ingress"));
    assertThat(ingressByPort.get("https-webhook").at("/from/0/ipBlock/cidr").asText())
        .isEqualTo("10.0.0.0/24");
    JsonNode prometheus = ingressByPort.get("http-metrics").at("/from/0");
    assertThat(prometheus.at("/namespaceSelector/matchLabels/team").asText())
        .isEqualTo("monitoring");
    assertThat(prometheus.at("/podSelector/matchLabels/app").asText()).isEqualTo("prometheus");

    JsonNode egress = policy.at("/spec/egress");
    assertThat(egress).hasSize(5);
    JsonNode dns = egress.get(0);
    assertThat(dns.at("/ports"))
        .extracting(p -> p.path("protocol").asText() + "/" + p.path("port").asText())
        .containsExactlyInAnyOrder("UDP/53", "TCP/53");
    assertThat(dns.at("/to/0/namespaceSelector/matchLabels/team").asText()).isEqualTo("dns");
    assertThat(ruleTcpPorts(egress.get(1))).containsExactly("6443");
    assertThat(egress.get(1).at("/to/0/ipBlock/cidr").asText()).isEqualTo("10.0.0.0/24");
    assertThat(ruleTcpPorts(egress.get(2))).containsExactly("443", "5000");
    assertThat(texts(egress.get(2).at("/to/0/ipBlock/except"))).containsExactly("10.0.0.0/8");

    JsonNode peerPort = namedPort(only(objects, "DaemonSet"), "peer-mtls");
    assertThat(ruleTcpPorts(egress.get(3)))
        .as("the agents' peer port, as their container declares it")
        .containsExactly(peerPort.path("containerPort").asText())
        .containsExactly("31000");
    assertThat(egress.get(3).at("/to/0/ipBlock/cidr").asText()).isEqualTo("192.168.0.0/16");
    assertThat(egress.get(4).at("/ports/0/port").asInt()).isEqualTo(4317);
  }

  @Test
  void egressLeftAtItsDefaultsAllowsItsPortsToAnyDestination() throws IOException {
    JsonNode egress =
        only(render("--set", "networkPolicy.egress.enabled=true"), "NetworkPolicy")
            .at("/spec/egress");
    assertThat(egress).hasSize(4).allSatisfy(rule -> assertThat(rule.has("to")).isFalse());
    assertThat(ruleTcpPorts(egress.get(1))).containsExactly("443", "6443");
    assertThat(ruleTcpPorts(egress.get(2))).containsExactly("443");
    assertThat(ruleTcpPorts(egress.get(3))).containsExactly("30020");
  }

  @Test
  void badValuesFailAtRenderNamingTheField() {
    assertFails(
        template("--set", "networkPolicy.webhook.form[0].ipBlock.cidr=10.0.0.0/24"),
        "/networkPolicy/webhook",
        "additional properties 'form' not allowed");
    assertFails(
        template("--set", "networkPolicy.webhook.from[0].ipBlock.cidr=10.0.0.1"),
        "/networkPolicy/webhook/from/0/ipBlock/cidr",
        "does not match pattern");
    assertFails(
        template("--set", "networkPolicy.egress.apiServer.ports={0}"),
        "/networkPolicy/egress/apiServer/ports/0",
        "minimum");
    assertFails(
        template("--set", "networkPolicy.metrics.from[0].podSelector.matchExpressions[0].key=app"),
        "/networkPolicy/metrics/from/0/podSelector/matchExpressions/0",
        "missing property 'operator'");
    assertFails(
        template(
            "--set", "networkPolicy.egress.agents.to[0].ipBlock.cidr=192.168.0.0/16",
            "--set", "networkPolicy.egress.agents.to[0].podSelector.matchLabels.app=agent"),
        "networkPolicy.egress.agents.to[0] combines ipBlock with a selector",
        "make them separate entries");
  }

  @Test
  void lintPassesWithThePoliciesNarrowed() {
    List<String> command =
        new ArrayList<>(List.of(chart.helm(), "lint", "--strict", chart.chart().toString()));
    command.addAll(List.of(NARROWED));
    assertThat(chart.commands().run(command.toArray(String[]::new)).orFail("helm lint").stdout())
        .contains("1 chart(s) linted, 0 chart(s) failed");
  }

  @Test
  void theApiServerAcceptsThePolicies() throws IOException {
    DevCluster cluster = DevCluster.fromEnvFile();
    Commands kubectl =
        new Commands(Map.of("KUBECONFIG", cluster.kubeconfig().toString()), cluster.root());
    // A dry run still needs the namespace to exist.
    String namespace = "dockmaster-netpol-" + UUID.randomUUID().toString().substring(0, 8);
    kubectl.run("kubectl", "create", "namespace", namespace).orFail("kubectl create namespace");
    try {
      for (String[] values : List.of(new String[0], NARROWED)) {
        StringBuilder policies = new StringBuilder();
        for (JsonNode policy : ofKind(chart.render(namespace, values), "NetworkPolicy")) {
          policies.append("---\n").append(YAML.writeValueAsString(policy));
        }
        assertThat(policies).isNotEmpty();
        String applied =
            kubectl
                .runWithInput(
                    policies.toString(),
                    "kubectl",
                    "apply",
                    "--dry-run=server",
                    "-f",
                    "-",
                    "-o",
                    "name")
                .orFail("kubectl apply --dry-run=server")
                .stdout();
        assertThat(applied.strip())
            .isEqualTo("networkpolicy.networking.k8s.io/" + RELEASE + "-dockmaster-operator");
      }
    } finally {
      kubectl.run("kubectl", "delete", "namespace", namespace, "--wait=false");
    }
  }

  private static void assertFails(Commands.Result result, String... messages) {
    assertThat(result.exitCode()).as("helm template exit code").isNotZero();
    assertThat(result.stderr()).contains(messages);
  }

  /** True when every label of the selector is on the pod with the same value. */
  private static boolean selects(JsonNode matchLabels, JsonNode podLabels) {
    assertThat(matchLabels.size()).as("an empty selector would select every pod").isPositive();
    Map<String, String> pod = new HashMap<>();
    podLabels.fields().forEachRemaining(e -> pod.put(e.getKey(), e.getValue().asText()));
    Map<String, String> wanted = new HashMap<>();
    matchLabels.fields().forEachRemaining(e -> wanted.put(e.getKey(), e.getValue().asText()));
    return pod.entrySet().containsAll(wanted.entrySet());
  }

  /** The TCP ports the rules open, as names or numbers. */
  private static Set<String> ruleTcpPorts(JsonNode rules) {
    Set<String> ports = new TreeSet<>();
    Iterable<JsonNode> each = rules.isArray() ? rules : List.of(rules);
    for (JsonNode rule : each) {
      for (JsonNode port : rule.path("ports")) {
        assertThat(port.path("protocol").asText()).isEqualTo("TCP");
        ports.add(port.path("port").asText());
      }
    }
    return ports;
  }

  private static Map<String, JsonNode> byFirstPort(JsonNode rules) {
    Map<String, JsonNode> byPort = new HashMap<>();
    rules.forEach(rule -> byPort.put(rule.at("/ports/0/port").asText(), rule));
    return byPort;
  }

  private static Set<String> namedPorts(JsonNode workload) {
    Set<String> names = new TreeSet<>();
    workload
        .at("/spec/template/spec/containers/0/ports")
        .forEach(p -> names.add(p.path("name").asText()));
    return names;
  }

  private static JsonNode namedPort(JsonNode workload, String name) {
    for (JsonNode port : workload.at("/spec/template/spec/containers/0/ports")) {
      if (port.path("name").asText().equals(name)) {
        return port;
      }
    }
    throw new AssertionError("no container port named " + name);
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(n -> texts.add(n.asText()));
    return texts;
  }

  private Commands.Result template(String... values) {
    return chart.template(NAMESPACE, values);
  }

  private List<JsonNode> render(String... values) throws IOException {
    return chart.render(NAMESPACE, values);
  }

  private static JsonNode only(List<JsonNode> objects, String kind) {
    return ChartRenderer.only(objects, kind);
  }

  private static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
    return ChartRenderer.ofKind(objects, kind);
  }
}
