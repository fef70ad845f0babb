package io.dockmaster.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed CRD YAML must be exactly what the Java API classes generate, in both places users
 * take it from, and every field must carry the description {@code kubectl explain} shows.
 */
class CrdDriftTest {

  private static final Path PROJECT_ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @ParameterizedTest
  @ValueSource(strings = {"imagepolicies.dockmaster.io", "imagemirrors.dockmaster.io"})
  void committedCrdsMatchTheApiClasses(String crd) throws IOException {
    String generated = generated(crd);
    for (Path committed :
        List.of(
            PROJECT_ROOT.resolve("crds").resolve(crd + ".yaml"),
            PROJECT_ROOT.resolve("helm/dockmaster/crds").resolve(crd + ".yaml"))) {
      assertThat(committed).as("%s is missing; run `make crds` and commit it", committed).exists();
      assertThat(Files.readString(committed))
          .as("%s differs from the Java API classes; run `make crds` and commit it", committed)
          .isEqualTo(generated);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"imagepolicies.dockmaster.io", "imagemirrors.dockmaster.io"})
  void everyFieldHasADescription(String crd) throws IOException {
    JsonNode schema =
        YAML.readTree(generated(crd)).at("/spec/versions/0/schema/openAPIV3Schema/properties");
    List<String> undescribed = new ArrayList<>();
    collectUndescribed(schema.get("spec"), "spec", undescribed);
    collectUndescribed(schema.get("status"), "status", undescribed);
    assertThat(undescribed).as("fields without a description").isEmpty();
  }

  private static void collectUndescribed(JsonNode node, String path, List<String> undescribed) {
    if (node == null) {
      return;
    }
    if (!node.has("description") && !isKubernetesType(path)) {
      undescribed.add(path);
    }
    JsonNode properties = node.has("items") ? node.get("items").get("properties") : null;
    if (properties == null) {
      properties = node.get("properties");
    }
    if (properties == null || isKubernetesType(path)) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      collectUndescribed(field.getValue(), path + "." + field.getKey(), undescribed);
    }
  }

  /** Types from the Kubernetes API carry the upstream schema; their inner fields are not ours. */
  private static boolean isKubernetesType(String path) {
    return path.endsWith("Selector") || path.contains("Selector.") || path.endsWith(".conditions");
  }

  private static String generated(String crd) throws IOException {
    String resource = "META-INF/fabric8/" + crd + "-v1.yml";
    try (InputStream in = CrdDriftTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as("generated CRD %s on the classpath", resource).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
