package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code helm template} of the chart in {@code helm/dockmaster} with the real helm binary (built by
 * {@code hack/build-tools.sh helm}) and a private helm home, parsed into one JSON tree per object.
 * Needs no cluster.
 */
final class ChartRenderer {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final String release;
  private final Path root;
  private final Path chart;
  private final String helm;
  private final Commands commands;

  private ChartRenderer(String release, Path root, String helm, Commands commands) {
    this.release = release;
    this.root = root;
    this.chart = root.resolve("helm/dockmaster");
    this.helm = helm;
    this.commands = commands;
  }

  /** A renderer of {@code release} with this helm and these commands (their environment). */
  static ChartRenderer of(String release, Path root, String helm, Commands commands) {
    return new ChartRenderer(release, root, helm, commands);
  }

  static ChartRenderer forRelease(String release) throws IOException {
    Path root = Path.of(System.getProperty("dockmaster.root", "..")).toAbsolutePath().normalize();
    Path cache =
        Path.of(
            System.getenv()
                .getOrDefault(
                    "DOCKMASTER_CACHE", System.getProperty("user.home") + "/.cache/dockmaster"));
    Path helmBinary = cache.resolve("bin/helm");
    assertThat(helmBinary).as("helm binary; build it with hack/build-tools.sh helm").isExecutable();
    Commands commands = new Commands(HelmRelease.privateHelmHome("helm-render-"), root);
    return new ChartRenderer(release, root, helmBinary.toString(), commands);
  }

  Path root() {
    return root;
  }

  Path chart() {
    return chart;
  }

  String helm() {
    return helm;
  }

  Commands commands() {
    return commands;
  }

  /** {@code helm template} into {@code namespace} with these extra arguments (--set ...). */
  Commands.Result template(String namespace, String... values) {
    List<String> command =
        new ArrayList<>(
            List.of(helm, "template", release, chart.toString(), "--namespace", namespace));
    command.addAll(List.of(values));
    return commands.run(command.toArray(String[]::new));
  }

  /** The rendered objects; fails the test if helm refuses the values. */
  List<JsonNode> render(String namespace, String... values) throws IOException {
    String rendered = template(namespace, values).orFail("helm template").stdout();
    List<JsonNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> documents =
        YAML.readerFor(JsonNode.class).readValues(rendered)) {
      while (documents.hasNext()) {
        JsonNode document = documents.next();
        if (document != null && !document.isEmpty()) {
          objects.add(document);
        }
      }
    }
    return objects;
  }

  static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
    return objects.stream().filter(o -> kind(o).equals(kind)).toList();
  }

  static JsonNode only(List<JsonNode> objects, String kind) {
    List<JsonNode> matching = ofKind(objects, kind);
    assertThat(matching).as("objects of kind %s", kind).hasSize(1);
    return matching.get(0);
  }

  static String kind(JsonNode object) {
    return object.path("kind").asText();
  }
}
