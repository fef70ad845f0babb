package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * One release of the Helm chart in {@code helm/dockmaster} into one namespace of the dev control
 * plane, driven by the real {@code helm} (built by {@code hack/build-tools.sh helm}) with a private
 * helm home: {@code helm template} and its objects parsed from YAML, a client impersonating the
 * release's ServiceAccounts, and what the Helm chart tests read and check in rendered objects
 * (paths into them, pod security, RBAC rules). It creates nothing on the cluster by itself.
 */
final class HelmRelease {

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  private static final TypeReference<Map<String, Object>> RENDERED_OBJECT =
      new TypeReference<>() {};

  static final String[] NON_DEFAULT = {
    "--set", "replicaCount=3",
    "--set", "webhook.mode=external",
    "--set", "webhook.certManager.enabled=true",
    "--set", "metrics.serviceMonitor.enabled=true",
    "--set", "webhook.exemptNamespaces={monitoring}",
    "--set", "image.tag=0.1.0-test"
  };

  private final DevCluster cluster;
  private final String release;
  private final String namespace;
  private final ChartRenderer renderer;

  private HelmRelease(
      DevCluster cluster, String release, String namespace, String helm, Commands commands) {
    this.cluster = cluster;
    this.release = release;
    this.namespace = namespace;
    this.renderer = ChartRenderer.of(release, cluster.root(), helm, commands);
  }

  /**
   * A release named {@code name}-&lt;run&gt; in namespace {@code dockmaster-helm-}&lt;name without
   * its "dockmaster" prefix&gt;-&lt;run&gt;, with a fresh run id: test runs on the shared dev
   * cluster never meet.
   */
  static HelmRelease fresh(DevCluster cluster, String name) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String namespace = "dockmaster-helm" + name.substring("dockmaster".length()) + "-" + run;
    try {
      return of(cluster, name + "-" + run, namespace);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Finds helm next to the dev cluster's tools; fails the test if it was not built. */
  static HelmRelease of(DevCluster cluster, String release, String namespace) throws IOException {
    Path helmBinary = cluster.crane().resolveSibling("helm");
    assertThat(helmBinary).as("helm binary; build it with hack/build-tools.sh helm").isExecutable();
    Map<String, String> environment = new HashMap<>(privateHelmHome("helm-e2e-"));
    environment.put("KUBECONFIG", cluster.kubeconfig().toString());
    Commands commands = new Commands(Map.copyOf(environment), cluster.root());
    return new HelmRelease(cluster, release, namespace, helmBinary.toString(), commands);
  }

  /**
   * Helm's own config, cache and repositories in a new temporary directory, not the user's home.
   */
  static Map<String, String> privateHelmHome(String prefix) throws IOException {
    Path helmHome = Files.createTempDirectory(prefix);
    return Map.of(
        "HELM_CONFIG_HOME", helmHome.resolve("config").toString(),
        "HELM_CACHE_HOME", helmHome.resolve("cache").toString(),
        "HELM_DATA_HOME", helmHome.resolve("data").toString());
  }

  String release() {
    return release;
  }

  String namespace() {
    return namespace;
  }

  Path chart() {
    return renderer.chart();
  }

  String helm() {
    return renderer.helm();
  }

  /** kubectl and helm with the dev cluster's kubeconfig and the private helm home. */
  Commands commands() {
    return renderer.commands();
  }

  Commands.Result template(String... values) {
    return renderer.template(namespace, values);
  }

  /** The rendered objects as maps, the form the chart tests walk with {@link #at}. */
  List<Map<String, Object>> render(String... values) throws IOException {
    return renderer.render(namespace, values).stream()
        .map(object -> JSON.convertValue(object, RENDERED_OBJECT))
        .toList();
  }

  Config kubeconfig() throws IOException {
    return Config.fromKubeconfig(Files.readString(cluster.kubeconfig()));
  }

  /** A client acting as {@code user}, as the API server would see a pod's ServiceAccount. */
  KubernetesClient impersonating(String user, Map<String, List<String>> extras) throws IOException {
    Config config = kubeconfig();
    config.setImpersonateUsername(user);
    config.setImpersonateGroups(
        "system:serviceaccounts",
        "system:serviceaccounts:" + user.split(":")[2],
        "system:authenticated");
    // Impersonate-Extra-<key> headers carry the key percent-encoded: "/" is no header character.
    Map<String, List<String>> escaped = new HashMap<>();
    extras.forEach((key, values) -> escaped.put(key.replace("/", "%2F"), values));
    config.setImpersonateExtras(escaped);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** A pod on the pod network whose containers are all {@link #assertSecureContainers secure}. */
  static void assertSecurePod(Map<String, Object> pod) {
    assertThat(pod.get("hostNetwork")).isNull();
    assertSecureContainers(pod);
  }

  /** Every container runs as non-root, read-only, without privilege escalation or capabilities. */
  static void assertSecureContainers(Map<String, Object> pod) {
    assertThat(at(pod, "securityContext", "runAsNonRoot")).isEqualTo(true);
    assertThat(at(pod, "securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
    List<Map<String, Object>> containers = new ArrayList<>(list(pod.get("containers")));
    if (pod.containsKey("initContainers")) {
      containers.addAll(list(pod.get("initContainers")));
    }
    assertThat(containers).isNotEmpty();
    for (Map<String, Object> container : containers) {
      Map<String, Object> security = map(container.get("securityContext"));
      assertThat(security)
          .as("securityContext of %s", container.get("name"))
          .containsEntry("runAsNonRoot", true)
          .containsEntry("readOnlyRootFilesystem", true)
          .containsEntry("allowPrivilegeEscalation", false)
          .containsEntry("privileged", false);
      assertThat((Integer) security.get("runAsUser")).isPositive();
      assertThat(strings(at(security, "capabilities", "drop"))).containsExactly("ALL");
      assertThat(at(security, "seccompProfile", "type")).isEqualTo("RuntimeDefault");
      assertThat(list(container.get("volumeMounts")))
          .anySatisfy(m -> assertThat(m).containsEntry("mountPath", "/tmp"));
    }
    assertThat(list(pod.get("volumes")))
        .anySatisfy(v -> assertThat(v).containsEntry("name", "tmp").containsKey("emptyDir"));
  }

  static void assertNoWildcards(List<Map<String, Object>> rules) {
    assertThat(rules).isNotEmpty();
    for (Map<String, Object> rule : rules) {
      for (String field : List.of("apiGroups", "resources", "verbs", "resourceNames")) {
        if (rule.containsKey(field)) {
          assertThat(strings(rule.get(field))).as("%s of %s", field, rule).doesNotContain("*");
        }
      }
      assertThat(strings(rule.get("verbs")))
          .as("verbs of %s", rule)
          .doesNotContain("escalate", "bind", "impersonate");
    }
  }

  /**
   * The names the rules let {@code verb} act on for {@code resource}: empty when none, {@code *}
   * when any name.
   */
  static Set<String> namesFor(
      List<Map<String, Object>> rules, String group, String resource, String verb) {
    Set<String> names = new java.util.TreeSet<>();
    for (Map<String, Object> rule : rules) {
      if (strings(rule.get("apiGroups")).contains(group)
          && strings(rule.get("resources")).contains(resource)
          && strings(rule.get("verbs")).contains(verb)) {
        names.addAll(
            rule.containsKey("resourceNames") ? strings(rule.get("resourceNames")) : List.of("*"));
      }
    }
    return names;
  }

  static List<String> verbsFor(List<Map<String, Object>> rules, String group, String resource) {
    return rules.stream()
        .filter(r -> strings(r.get("apiGroups")).contains(group))
        .filter(r -> strings(r.get("resources")).contains(resource))
        .flatMap(r -> strings(r.get("verbs")).stream())
        .distinct()
        .toList();
  }

  static String kind(Map<String, Object> object) {
    return String.valueOf(object.get("kind"));
  }

  static Map<String, Object> only(List<Map<String, Object>> objects, String kind) {
    List<Map<String, Object>> matching =
        objects.stream().filter(o -> kind(o).equals(kind)).toList();
    assertThat(matching).as("objects of kind %s", kind).hasSize(1);
    return matching.get(0);
  }

  static Map<String, Object> named(List<Map<String, Object>> objects, String kind, String name) {
    return objects.stream()
        .filter(o -> kind(o).equals(kind) && name.equals(at(o, "metadata", "name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  static Object at(Map<String, Object> object, String... path) {
    Object current = object;
    for (String key : path) {
      if (!(current instanceof Map<?, ?> m)) {
        return null;
      }
      current = m.get(key);
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object value) {
    assertThat(value).isInstanceOf(List.class);
    return (List<Map<String, Object>>) value;
  }

  static List<String> strings(Object value) {
    if (value == null) {
      return List.of();
    }
    return ((List<?>) value).stream().map(v -> Objects.toString(v, null)).toList();
  }

  static String[] concat(String[] first, String... second) {
    return Stream.concat(Stream.of(first), Stream.of(second)).toArray(String[]::new);
  }
}
