package io.dockmaster.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's JSON model and the metric-name extraction that {@link DashboardMetricsIT} relies
 * on. Whether the names exist is checked against real scrapes there.
 */
class DashboardTest {

  private final Dashboard dashboard = Dashboard.load();

  @Test
  void namesAreTakenFromSelectorsNotFromLabelsFunctionsOrVariables() {
    assertThat(
            Dashboard.metricNames(
                "histogram_quantile(0.99, sum by (le) (rate(a_seconds_bucket{job=~\"$job\","
                    + " x=\"y{z}\"}[$__rate_interval])))"))
        .containsExactly("a_seconds_bucket");
    assertThat(
            Dashboard.metricNames(
                "sum(increase(a_total{flow=\"upstream\"}[$__range])) / sum without (pod)"
                    + " (increase(b_total[5m])) * 1e3"))
        .containsExactly("a_total", "b_total");
    assertThat(
            Dashboard.metricNames(
                "max by (instance) (x) * on (instance) group_left (node) y > bool 0.5"))
        .containsExactly("x", "y");
    assertThat(Dashboard.metricNames("label_values(up{job=\"a\"}, instance)"))
        .containsExactly("up");
    assertThat(Dashboard.metricNames("label_values({__name__=~\"dockmaster_.+\"}, namespace)"))
        .isEmpty();
  }

  @Test
  void everyPanelTargetReadsAMetricOfThisNamespaceAndJob() {
    List<String> expressions = dashboard.panelExpressions();
    assertThat(expressions).hasSizeGreaterThan(20);
    for (String expr : expressions) {
      assertThat(Dashboard.metricNames(expr)).as("metrics read by %s", expr).isNotEmpty();
      // Every selector carries both filters, or a panel mixes releases or components.
      int selectors = expr.split("\\{", -1).length - 1;
      assertThat(count(expr, "namespace=\"$namespace\""))
          .as("namespace filters in %s", expr)
          .isEqualTo(selectors);
      assertThat(count(expr, "job=~\"$job\"")).as("job filters in %s", expr).isEqualTo(selectors);
    }
  }

  @Test
  void panelsUseTheDatasourceVariableAndHaveUniqueIdsOnTheGrid() {
    Set<Integer> ids = new HashSet<>();
    List<String> problems = new ArrayList<>();
    for (JsonNode panel : dashboard.panels()) {
      String title = panel.path("title").asText();
      if (!ids.add(panel.path("id").asInt())) {
        problems.add(title + ": duplicate id " + panel.path("id"));
      }
      JsonNode grid = panel.path("gridPos");
      if (grid.path("x").asInt() + grid.path("w").asInt() > 24 || grid.path("w").asInt() < 1) {
        problems.add(title + ": outside the 24-column grid " + grid);
      }
      if (panel.path("type").asText().equals("row")) {
        continue;
      }
      if (panel.path("description").asText().isBlank()) {
        problems.add(title + ": no description");
      }
      for (JsonNode node : List.of(panel, panel.path("targets").path(0))) {
        if (!node.path("datasource").path("uid").asText().equals("${datasource}")) {
          problems.add(title + ": datasource is not ${datasource}: " + node.path("datasource"));
        }
      }
    }
    assertThat(problems).isEmpty();
    assertThat(variables()).containsExactly("datasource", "namespace", "job");
    assertThat(dashboard.json().path("templating").path("list").get(0).path("query").asText())
        .isEqualTo("prometheus");
    assertThat(dashboard.json().path("uid").asText()).isEqualTo("dockmaster");
  }

  private List<String> variables() {
    List<String> names = new ArrayList<>();
    dashboard
        .json()
        .path("templating")
        .path("list")
        .forEach(v -> names.add(v.path("name").asText()));
    return names;
  }

  private static int count(String text, String part) {
    return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
  }
}
