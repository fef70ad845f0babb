package io.dockmaster.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Grafana dashboard the chart ships ({@code helm/dockmaster/dashboards/dockmaster.json}): its
 * panels, their PromQL, and the metric names that PromQL reads.
 */
final class Dashboard {

  static final Path FILE =
      Path.of("..", "helm", "dockmaster", "dashboards", "dockmaster.json")
          .toAbsolutePath()
          .normalize();

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|`[^`]*`");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
  // Label lists of aggregations and vector matching, which hold label names, not metrics.
  private static final Pattern LABEL_LIST =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  // An identifier not part of a number, a $variable or a longer name, and not a function call.
  private static final Pattern IDENTIFIER =
      Pattern.compile("(?<![\\w.:$])[a-zA-Z_:][a-zA-Z0-9_:]*(?![\\w(])(?!\\s*\\()");
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "by", "without", "inf", "nan", "Inf", "NaN");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("^\\s*label_values\\((.*?)(?:,\\s*\\w+)?\\)\\s*$", Pattern.DOTALL);

  private final JsonNode json;

  private Dashboard(JsonNode json) {
    this.json = json;
  }

  static Dashboard load() {
    try {
      return new Dashboard(new ObjectMapper().readTree(FILE.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the dashboard " + FILE, e);
    }
  }

  JsonNode json() {
    return json;
  }

  /** Every panel, including those nested in collapsed rows. */
  List<JsonNode> panels() {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : json.path("panels")) {
      panels.add(panel);
      panel.path("panels").forEach(panels::add);
    }
    return panels;
  }

  /** The PromQL of every panel target. */
  List<String> panelExpressions() {
    List<String> expressions = new ArrayList<>();
    for (JsonNode panel : panels()) {
      for (JsonNode target : panel.path("targets")) {
        expressions.add(target.path("expr").asText());
      }
    }
    return expressions;
  }

  /** The queries of the query variables (label_values(...) and the like). */
  List<String> variableQueries() {
    List<String> queries = new ArrayList<>();
    for (JsonNode variable : json.path("templating").path("list")) {
      if ("query".equals(variable.path("type").asText())) {
        JsonNode query = variable.path("query");
        queries.add(query.isObject() ? query.path("query").asText() : query.asText());
      }
    }
    return queries;
  }

  /** Every metric name any panel or variable reads. */
  Set<String> metricNames() {
    Set<String> names = new TreeSet<>();
    panelExpressions().forEach(e -> names.addAll(metricNames(e)));
    variableQueries().forEach(q -> names.addAll(metricNames(q)));
    return names;
  }

  /**
   * The metric names a PromQL expression or a Grafana {@code label_values(selector, label)} query
   * selects by name. Names matched only by a regular expression on {@code __name__} are not
   * counted: they cannot break when a meter is renamed, they just match less.
   */
  static Set<String> metricNames(String query) {
    Matcher labelValues = LABEL_VALUES.matcher(query);
    String promql = labelValues.matches() ? labelValues.group(1) : query;
    String stripped = STRING.matcher(promql).replaceAll("\"\"");
    stripped = MATCHERS.matcher(stripped).replaceAll(" ");
    stripped = RANGE.matcher(stripped).replaceAll(" ");
    stripped = LABEL_LIST.matcher(stripped).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher identifier = IDENTIFIER.matcher(stripped);
    while (identifier.find()) {
      if (!KEYWORDS.contains(identifier.group())) {
        names.add(identifier.group());
      }
    }
    return names;
  }
}
