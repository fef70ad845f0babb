package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The chart's monitoring objects as {@code helm template} renders them: the Grafana dashboard
 * ConfigMap (only when asked for, with the sidecar's label, carrying the dashboard JSON unchanged)
 * and the agents' PodMonitor. Rendering needs no cluster. That every metric the dashboard reads
 * exists is checked against real scrapes by the operator module's {@code DashboardMetricsIT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChartDashboardE2E {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RELEASE = "dm";
  private static final String NAMESPACE = "dockmaster";

  private ChartRenderer chart;

  @BeforeAll
  void setUp() throws IOException {
    chart = ChartRenderer.forRelease(RELEASE);
  }

  @Test
  void theDashboardConfigMapIsRenderedOnlyWhenEnabledAndCarriesTheDashboardUnchanged()
      throws IOException {
    assertThat(render()).noneMatch(o -> kind(o).equals("ConfigMap"));

    List<JsonNode> configMaps = ofKind(render("--set", "dashboards.enabled=true"), "ConfigMap");
    assertThat(configMaps).hasSize(1);
    JsonNode configMap = configMaps.get(0);
    assertThat(configMap.at("/metadata/namespace").asText()).isEqualTo(NAMESPACE);
    assertThat(configMap.at("/metadata/labels/grafana_dashboard").isTextual())
        .as("label values are strings; an unquoted 1 would be refused by the API server")
        .isTrue();
    assertThat(configMap.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
    assertThat(configMap.path("data").size()).isEqualTo(1);
    JsonNode rendered = JSON.readTree(configMap.at("/data/dockmaster.json").asText());
    JsonNode file = JSON.readTree(chart.chart().resolve("dashboards/dockmaster.json").toFile());
    assertThat(rendered).isEqualTo(file);
    assertThat(rendered.path("title").asText()).isEqualTo("Dockmaster");
    assertThat(rendered.path("panels").size()).isGreaterThan(20);
  }

  @Test
  void theSidecarLabelNamespaceAndFolderAreValues() throws IOException {
    JsonNode configMap =
        ofKind(
                render(
                    "--set", "dashboards.enabled=true",
                    "--set", "dashboards.label=example.com/dashboard",
                    "--set-string", "dashboards.labelValue=dockmaster",
                    "--set", "dashboards.namespace=monitoring",
                    "--set", "dashboards.annotations.grafana_folder=Dockmaster"),
                "ConfigMap")
            .get(0);
    assertThat(configMap.at("/metadata/namespace").asText()).isEqualTo("monitoring");
    assertThat(configMap.at("/metadata/labels").path("example.com/dashboard").asText())
        .isEqualTo("dockmaster");
    assertThat(configMap.at("/metadata/labels").has("grafana_dashboard")).isFalse();
    assertThat(configMap.at("/metadata/annotations/grafana_folder").asText())
        .isEqualTo("Dockmaster");
  }

  @Test
  void aLabelKeyKubernetesWouldRefuseFailsAtRenderNamingTheField() {
    Commands.Result result =
        template("--set", "dashboards.enabled=true", "--set", "dashboards.label=bad key");
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr()).contains("dashboards/label");
  }

  @Test
  void thePodMonitorScrapesTheAgentsByTheirOwnLabelsAndMetricsPort() throws IOException {
    assertThat(render()).noneMatch(o -> kind(o).equals("PodMonitor"));
    assertThat(render("--set", "metrics.podMonitor.enabled=true", "--set", "agent.enabled=false"))
        .as("no agents, nothing to scrape")
        .noneMatch(o -> kind(o).equals("PodMonitor"));

    List<JsonNode> objects = render("--set", "metrics.podMonitor.enabled=true");
    JsonNode monitor = ofKind(objects, "PodMonitor").get(0);
    JsonNode daemonSet = ofKind(objects, "DaemonSet").get(0);
    assertThat(monitor.at("/spec/selector/matchLabels"))
        .isEqualTo(daemonSet.at("/spec/selector/matchLabels"));
    assertThat(monitor.at("/spec/selector/matchLabels/app.kubernetes.io~1name"))
        .as("the operator pods are the ServiceMonitor's, not scraped twice")
        .isNotEqualTo(
            ofKind(objects, "Deployment")
                .get(0)
                .at("/spec/template/metadata/labels/app.kubernetes.io~1name"));
    String port = monitor.at("/spec/podMetricsEndpoints/0/port").asText();
    List<String> containerPorts = new ArrayList<>();
    daemonSet
        .at("/spec/template/spec/containers/0/ports")
        .forEach(p -> containerPorts.add(p.path("name").asText()));
    assertThat(containerPorts).contains(port);
    assertThat(monitor.at("/spec/podMetricsEndpoints/0/path").asText()).isEqualTo("/metrics");
  }

  private Commands.Result template(String... values) {
    return chart.template(NAMESPACE, values);
  }

  private List<JsonNode> render(String... values) throws IOException {
    return chart.render(NAMESPACE, values);
  }

  private static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
    return ChartRenderer.ofKind(objects, kind);
  }

  private static String kind(JsonNode object) {
    return ChartRenderer.kind(object);
  }
}
