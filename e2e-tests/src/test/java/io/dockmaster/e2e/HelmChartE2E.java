package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dockmaster.admission.WebhookRegistration;
import io.dockmaster.admission.WebhookTarget;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Helm chart in {@code helm/dockmaster}, with the real {@code helm} (built by {@code
 * hack/build-tools.sh helm}) and the dev control plane: lint, render and inspect what it renders,
 * schema errors, a server-side dry run, and a real install, upgrade and uninstall. No kubelet runs
 * in the dev cluster, so the operator pods stay Pending; the RBAC is checked with {@code kubectl
 * auth can-i} as the chart's ServiceAccount instead.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmChartE2E {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String[] NON_DEFAULT = {
    "--set", "replicaCount=3",
    "--set", "webhook.mode=external",
    "--set", "webhook.certManager.enabled=true",
    "--set", "metrics.serviceMonitor.enabled=true",
    "--set", "webhook.exemptNamespaces={monitoring}",
    "--set", "image.tag=0.1.0-test"
  };

  private final DevCluster cluster = DevCluster.fromEnvFile();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String namespace = "dockmaster-helm-" + run;
  private final String release = "dockmaster-" + run;
  private Path chart;
  private String helm;
  private Commands commands;

  @BeforeAll
  void setUp() throws IOException {
    chart = cluster.root().resolve("helm/dockmaster");
    Path helmBinary = cluster.crane().resolveSibling("helm");
    assertThat(helmBinary).as("helm binary; build it with hack/build-tools.sh helm").isExecutable();
    helm = helmBinary.toString();
    // Helm's own config, cache and repositories stay out of the user's home.
    Path helmHome = Files.createTempDirectory("helm-e2e-");
    commands =
        new Commands(
            Map.of(
                "KUBECONFIG", cluster.kubeconfig().toString(),
                "HELM_CONFIG_HOME", helmHome.resolve("config").toString(),
                "HELM_CACHE_HOME", helmHome.resolve("cache").toString(),
                "HELM_DATA_HOME", helmHome.resolve("data").toString()),
            cluster.root());
    commands.run("kubectl", "create", "namespace", namespace).orFail("kubectl create namespace");
  }

  @AfterAll
  void tearDown() {
    // The dev cluster outlives this run: leave nothing behind, passed or failed.
    commands.run(helm, "uninstall", release, "--namespace", namespace, "--wait");
    commands.run("kubectl", "delete", "namespace", namespace, "--wait=false");
  }

  @Test
  void lintPassesWithDefaultAndNonDefaultValues() {
    assertThat(
            commands.run(helm, "lint", "--strict", chart.toString()).orFail("helm lint").stdout())
        .contains("1 chart(s) linted, 0 chart(s) failed");
    assertThat(
            commands
                .run(concat(new String[] {helm, "lint", "--strict", chart.toString()}, NON_DEFAULT))
                .orFail("helm lint with non-default values")
                .stdout())
        .contains("0 chart(s) failed");
  }

  @Test
  void defaultRenderIsSecureLeastPrivilegeAndRegistersInServiceMode() throws Exception {
    List<Map<String, Object>> objects = render();
    assertThat(objects.stream().map(HelmChartE2E::kind).sorted().toList())
        .containsExactly(
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "PodDisruptionBudget",
            "Role",
            "RoleBinding",
            "Secret",
            "Service",
            "Service",
            "ServiceAccount",
            "ValidatingWebhookConfiguration");

    Map<String, Object> deployment = only(objects, "Deployment");
    assertThat(at(deployment, "spec", "replicas")).isEqualTo(2);
    Map<String, Object> pod = map(at(deployment, "spec", "template", "spec"));
    assertSecurePod(pod);
    Map<String, Object> container = list(pod.get("containers")).get(0);
    assertThat(strings(container.get("args")))
        .contains(
            "operator",
            "--namespace=" + namespace,
            "--leader-election-namespace=" + namespace,
            "--webhook-mode=service",
            "--webhook-cert-dir=/etc/dockmaster/webhook",
            "--webhook-service-name=" + release + "-webhook",
            "--webhook-service-port=443");
    Map<String, Object> env = new HashMap<>();
    for (Map<String, Object> variable : list(container.get("env"))) {
      env.put((String) variable.get("name"), variable);
    }
    assertThat(at(map(env.get("POD_NAME")), "valueFrom", "fieldRef", "fieldPath"))
        .isEqualTo("metadata.name");
    assertThat((String) map(env.get("JAVA_TOOL_OPTIONS")).get("value"))
        .contains("-XX:MaxRAMPercentage=75");
    assertThat(at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/healthz");
    assertThat(at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/readyz");
    assertThat(at(container, "resources", "limits", "memory")).isEqualTo("512Mi");

    Map<String, Object> webhookService = named(objects, "Service", release + "-webhook");
    Map<String, Object> webhookPort = list(at(webhookService, "spec", "ports")).get(0);
    assertThat(webhookPort).containsEntry("port", 443).containsEntry("targetPort", "https-webhook");
    assertThat(list(container.get("ports")))
        .anySatisfy(
            p ->
                assertThat(p)
                    .containsEntry("name", "https-webhook")
                    .containsEntry("containerPort", 8443));
    assertThat(at(only(objects, "PodDisruptionBudget"), "spec", "minAvailable")).isEqualTo(1);

    // Service mode: the chart's configuration is empty; the operator fills in the webhook.
    Map<String, Object> configuration = only(objects, "ValidatingWebhookConfiguration");
    assertThat(at(configuration, "metadata", "name"))
        .isEqualTo(WebhookRegistration.CONFIGURATION_NAME);
    assertThat(configuration).doesNotContainKey("webhooks");

    List<Map<String, Object>> clusterRules = list(at(only(objects, "ClusterRole"), "rules"));
    assertNoWildcards(clusterRules);
    assertThat(verbsFor(clusterRules, "", "secrets")).containsExactly("get");
    assertThat(verbsFor(clusterRules, "", "pods")).containsExactly("list");
    assertThat(verbsFor(clusterRules, "dockmaster.io", "imagepolicies/status")).contains("patch");
    Map<String, Object> webhookRule =
        clusterRules.stream()
            .filter(r -> strings(r.get("resources")).contains("validatingwebhookconfigurations"))
            .findFirst()
            .orElseThrow();
    assertThat(strings(webhookRule.get("resourceNames"))).containsExactly("dockmaster");
    assertThat(strings(webhookRule.get("verbs"))).doesNotContain("create", "delete", "list");
    Map<String, Object> role = only(objects, "Role");
    assertThat(at(role, "metadata", "namespace")).isEqualTo(namespace);
    assertNoWildcards(list(role.get("rules")));

    Map<String, Object> secret = only(objects, "Secret");
    assertServingCertificateIsSignedByItsCa(secret);
    assertThat(
            String.valueOf(
                at(
                    deployment,
                    "spec",
                    "template",
                    "metadata",
                    "annotations",
                    "checksum/webhook-ca")))
        .as("the pods roll when the CA changes, and only then")
        .isEqualTo(sha256Hex((String) map(secret.get("data")).get("ca.crt")).substring(0, 16));
  }

  private static String sha256Hex(String text) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void nonDefaultRenderUsesCertManagerAndMatchesTheOperatorsOwnRegistration() throws Exception {
    List<Map<String, Object>> objects = render(NON_DEFAULT);
    assertThat(objects.stream().map(HelmChartE2E::kind))
        .contains("Certificate", "Issuer", "ServiceMonitor")
        .doesNotContain("Secret");
    Map<String, Object> deployment = only(objects, "Deployment");
    assertThat(at(deployment, "spec", "replicas")).isEqualTo(3);
    assertSecurePod(map(at(deployment, "spec", "template", "spec")));
    Map<String, Object> container =
        list(at(deployment, "spec", "template", "spec", "containers")).get(0);
    assertThat((String) container.get("image"))
        .isEqualTo("ghcr.io/dockmaster/dockmaster:0.1.0-test");
    assertThat(strings(container.get("args")))
        .contains("--webhook-mode=external", "--webhook-exempt-namespaces=monitoring")
        .noneMatch(a -> a.startsWith("--webhook-service-name"));
    List<Map<String, Object>> clusterRules = list(at(only(objects, "ClusterRole"), "rules"));
    assertNoWildcards(clusterRules);
    assertThat(clusterRules)
        .as("the chart owns the webhook configuration; the operator needs no access to it")
        .noneMatch(r -> strings(r.get("apiGroups")).contains("admissionregistration.k8s.io"));

    Map<String, Object> configuration = only(objects, "ValidatingWebhookConfiguration");
    assertThat(map(at(configuration, "metadata", "annotations")))
        .containsEntry("cert-manager.io/inject-ca-from", namespace + "/" + release + "-webhook");
    assertThat(at(only(objects, "Certificate"), "spec", "secretName"))
        .isEqualTo(release + "-webhook-tls");

    // What the chart registers must be what the operator registers in service mode.
    Map<String, Object> chartWebhook = list(configuration.get("webhooks")).get(0);
    Map<String, Object> operatorWebhook = operatorRegistration(List.of("monitoring"));
    for (String field :
        List.of(
            "name",
            "rules",
            "failurePolicy",
            "sideEffects",
            "admissionReviewVersions",
            "timeoutSeconds",
            "matchPolicy")) {
      assertThat(chartWebhook.get(field)).as(field).isEqualTo(operatorWebhook.get(field));
    }
    assertThat(
            strings(
                list(at(chartWebhook, "namespaceSelector", "matchExpressions"))
                    .get(0)
                    .get("values")))
        .containsExactlyInAnyOrderElementsOf(
            strings(
                list(at(operatorWebhook, "namespaceSelector", "matchExpressions"))
                    .get(0)
                    .get("values")));
    assertThat(at(chartWebhook, "clientConfig", "service"))
        .isEqualTo(at(operatorWebhook, "clientConfig", "service"));
  }

  @Test
  void webhookOffRendersNoWebhookObjects() throws Exception {
    List<Map<String, Object>> objects =
        render("--set", "webhook.mode=off", "--set", "replicaCount=1");
    assertThat(objects.stream().map(HelmChartE2E::kind))
        .doesNotContain("ValidatingWebhookConfiguration", "Secret", "PodDisruptionBudget");
    assertThat(objects.stream().filter(o -> kind(o).equals("Service"))).hasSize(1);
    Map<String, Object> container =
        list(at(only(objects, "Deployment"), "spec", "template", "spec", "containers")).get(0);
    assertThat(strings(container.get("args"))).contains("--webhook-mode=off");
  }

  @Test
  void badValuesFailWithAMessageNamingTheField() {
    Commands.Result badMode = template("--set", "webhook.mode=sometimes");
    assertThat(badMode.exitCode()).isNotZero();
    assertThat(badMode.stderr())
        .contains("/webhook/mode", "value must be one of 'service', 'external', 'off'");

    Commands.Result noReplicas = template("--set", "replicaCount=0");
    assertThat(noReplicas.exitCode()).isNotZero();
    assertThat(noReplicas.stderr()).contains("/replicaCount", "minimum");

    Commands.Result badPort = template("--set", "webhook.port=70000");
    assertThat(badPort.exitCode()).isNotZero();
    assertThat(badPort.stderr()).contains("/webhook/port", "maximum");

    Commands.Result typo = template("--set", "webhook.failurPolicy=Ignore");
    assertThat(typo.exitCode()).isNotZero();
    assertThat(typo.stderr()).contains("/webhook", "'failurPolicy' not allowed");

    Commands.Result externalWithoutCertManager = template("--set", "webhook.mode=external");
    assertThat(externalWithoutCertManager.exitCode()).isNotZero();
    assertThat(externalWithoutCertManager.stderr())
        .contains("webhook.mode=external", "webhook.certManager.enabled=true");
  }

  @Test
  void serverAcceptsTheRenderedObjects() throws Exception {
    String rendered = template().orFail("helm template").stdout();
    commands
        .runWithInput(rendered, "kubectl", "apply", "--dry-run=server", "-f", "-")
        .orFail("kubectl apply --dry-run=server (default values)");
    // cert-manager and Prometheus Operator are not installed on the dev cluster: their objects
    // are left out, everything else must be accepted as rendered.
    StringBuilder others = new StringBuilder();
    for (Map<String, Object> object : render(NON_DEFAULT)) {
      if (!String.valueOf(object.get("apiVersion"))
          .matches("(cert-manager\\.io|monitoring\\.coreos\\.com)/.*")) {
        others.append("---\n").append(YAML.writeValueAsString(object));
      }
    }
    commands
        .runWithInput(others.toString(), "kubectl", "apply", "--dry-run=server", "-f", "-")
        .orFail("kubectl apply --dry-run=server (non-default values)");
  }

  @Test
  void installsUpgradesAndUninstalls() throws Exception {
    assertThat(
            commands
                .run("kubectl", "get", "validatingwebhookconfiguration", "dockmaster")
                .exitCode())
        .as(
            "a ValidatingWebhookConfiguration named dockmaster is left from another run;"
                + " the chart cannot own it")
        .isNotZero();
    commands
        .run(helm, "install", release, chart.toString(), "--namespace", namespace)
        .orFail("helm install");
    Map<String, Object> status =
        JSON.readValue(
            commands
                .run(helm, "status", release, "--namespace", namespace, "-o", "json")
                .orFail("helm status")
                .stdout(),
            Map.class);
    assertThat(at(status, "info", "status")).isEqualTo("deployed");
    String listed =
        commands
            .run(
                "kubectl",
                "get",
                "deployment,service,serviceaccount,secret,role,rolebinding,pdb",
                "--namespace",
                namespace,
                "-o",
                "name")
            .orFail("kubectl get")
            .stdout();
    assertThat(listed)
        .contains(
            "deployment.apps/" + release,
            "service/" + release + "-webhook",
            "service/" + release + "-metrics",
            "serviceaccount/" + release,
            "secret/" + release + "-webhook-tls",
            "role.rbac.authorization.k8s.io/" + release + "-leader-election",
            "poddisruptionbudget.policy/" + release);
    commands
        .run(
            "kubectl",
            "get",
            "clusterrole/" + release + "-operator",
            "validatingwebhookconfiguration/dockmaster")
        .orFail("cluster-scoped objects");

    String serviceAccount = "system:serviceaccount:" + namespace + ":" + release;
    assertThat(canI(serviceAccount, "patch", "validatingwebhookconfigurations/dockmaster"))
        .isTrue();
    assertThat(canI(serviceAccount, "patch", "validatingwebhookconfigurations/someone-else"))
        .isFalse();
    assertThat(canI(serviceAccount, "get", "secrets", "--namespace", "default")).isTrue();
    assertThat(canI(serviceAccount, "list", "secrets", "--all-namespaces")).isFalse();
    assertThat(canI(serviceAccount, "patch", "imagepolicies.dockmaster.io", "--subresource=status"))
        .isTrue();
    assertThat(canI(serviceAccount, "delete", "imagepolicies.dockmaster.io")).isFalse();
    assertThat(canI(serviceAccount, "list", "cronjobs.batch", "--all-namespaces")).isTrue();
    assertThat(canI(serviceAccount, "create", "pods", "--namespace", namespace)).isFalse();
    assertThat(
            canI(
                serviceAccount,
                "update",
                "leases.coordination.k8s.io/dockmaster-operator",
                "--namespace",
                namespace))
        .isTrue();
    assertThat(
            canI(
                serviceAccount,
                "update",
                "leases.coordination.k8s.io/dockmaster-operator",
                "--namespace",
                "kube-system"))
        .isFalse();

    // lookup keeps the generated CA across upgrades, so registered caBundles stay valid.
    String caBefore = secretField(release + "-webhook-tls", "ca\\.crt");
    commands
        .run(
            helm,
            "upgrade",
            release,
            chart.toString(),
            "--namespace",
            namespace,
            "--reuse-values",
            "--set",
            "replicaCount=3")
        .orFail("helm upgrade");
    assertThat(secretField(release + "-webhook-tls", "ca\\.crt")).isEqualTo(caBefore);
    assertThat(
            commands
                .run(
                    "kubectl",
                    "get",
                    "deployment",
                    release,
                    "--namespace",
                    namespace,
                    "-o",
                    "jsonpath={.spec.replicas}")
                .orFail("kubectl get deployment")
                .stdout())
        .isEqualTo("3");

    commands
        .run(helm, "uninstall", release, "--namespace", namespace, "--wait")
        .orFail("helm uninstall");
    assertThat(
            commands
                .run("kubectl", "get", "validatingwebhookconfiguration", "dockmaster")
                .exitCode())
        .as("uninstall removes the fail-closed webhook configuration with the operator")
        .isNotZero();
    assertThat(commands.run("kubectl", "get", "clusterrole", release + "-operator").exitCode())
        .isNotZero();
  }

  private boolean canI(String user, String verb, String resource, String... more) {
    Commands.Result result =
        commands.run(
            concat(new String[] {"kubectl", "auth", "can-i", verb, resource, "--as", user}, more));
    String answer = result.stdout().trim();
    assertThat(answer)
        .as("kubectl auth can-i %s %s: %s", verb, resource, result.stderr())
        .isIn("yes", "no");
    return answer.equals("yes");
  }

  private String secretField(String name, String key) {
    return commands
        .run(
            "kubectl",
            "get",
            "secret",
            name,
            "--namespace",
            namespace,
            "-o",
            "jsonpath={.data." + key + "}")
        .orFail("kubectl get secret")
        .stdout();
  }

  private Commands.Result template(String... values) {
    return commands.run(
        concat(
            new String[] {helm, "template", release, chart.toString(), "--namespace", namespace},
            values));
  }

  private List<Map<String, Object>> render(String... values) throws IOException {
    String rendered = template(values).orFail("helm template").stdout();
    List<Map<String, Object>> objects = new ArrayList<>();
    try (MappingIterator<Map<String, Object>> documents =
        YAML.readerFor(Map.class).readValues(rendered)) {
      while (documents.hasNext()) {
        Map<String, Object> document = documents.next();
        if (document != null && !document.isEmpty()) {
          objects.add(document);
        }
      }
    }
    return objects;
  }

  /** Every container runs as non-root, read-only, without privilege escalation or capabilities. */
  private static void assertSecurePod(Map<String, Object> pod) {
    assertThat(at(pod, "securityContext", "runAsNonRoot")).isEqualTo(true);
    assertThat(at(pod, "securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
    assertThat(pod.get("hostNetwork")).isNull();
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

  private static void assertNoWildcards(List<Map<String, Object>> rules) {
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

  private static List<String> verbsFor(
      List<Map<String, Object>> rules, String group, String resource) {
    return rules.stream()
        .filter(r -> strings(r.get("apiGroups")).contains(group))
        .filter(r -> strings(r.get("resources")).contains(resource))
        .flatMap(r -> strings(r.get("verbs")).stream())
        .distinct()
        .toList();
  }

  private void assertServingCertificateIsSignedByItsCa(Map<String, Object> secret)
      throws Exception {
    assertThat(secret).containsEntry("type", "kubernetes.io/tls");
    Map<String, Object> data = map(secret.get("data"));
    assertThat(data).containsKeys("ca.crt", "tls.crt", "tls.key");
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    X509Certificate ca = certificate(factory, (String) data.get("ca.crt"));
    X509Certificate serving = certificate(factory, (String) data.get("tls.crt"));
    serving.verify(ca.getPublicKey());
    serving.checkValidity();
    assertThat(serving.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))))
        .contains(release + "-webhook." + namespace + ".svc");
  }

  private static X509Certificate certificate(CertificateFactory factory, String base64)
      throws Exception {
    return (X509Certificate)
        factory.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
  }

  /** The webhook the operator registers in service mode, as the API server would store it. */
  private Map<String, Object> operatorRegistration(List<String> exempt) throws Exception {
    Method desired =
        WebhookRegistration.class.getDeclaredMethod("desired", WebhookTarget.class, String.class);
    desired.setAccessible(true);
    List<String> exemptNamespaces = new ArrayList<>(exempt);
    exemptNamespaces.add(namespace);
    Object configuration =
        desired.invoke(
            new WebhookRegistration(null, exemptNamespaces),
            new WebhookTarget.Service(namespace, release + "-webhook", 443),
            "unused");
    Map<String, Object> asMap = JSON.convertValue(configuration, Map.class);
    Map<String, Object> webhook = list(asMap.get("webhooks")).get(0);
    map(webhook.get("clientConfig")).remove("caBundle");
    return webhook;
  }

  private static String kind(Map<String, Object> object) {
    return String.valueOf(object.get("kind"));
  }

  private static Map<String, Object> only(List<Map<String, Object>> objects, String kind) {
    List<Map<String, Object>> matching =
        objects.stream().filter(o -> kind(o).equals(kind)).toList();
    assertThat(matching).as("objects of kind %s", kind).hasSize(1);
    return matching.get(0);
  }

  private static Map<String, Object> named(
      List<Map<String, Object>> objects, String kind, String name) {
    return objects.stream()
        .filter(o -> kind(o).equals(kind) && name.equals(at(o, "metadata", "name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  private static Object at(Map<String, Object> object, String... path) {
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
  private static Map<String, Object> map(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object value) {
    assertThat(value).isInstanceOf(List.class);
    return (List<Map<String, Object>>) value;
  }

  private static List<String> strings(Object value) {
    if (value == null) {
      return List.of();
    }
    return ((List<?>) value).stream().map(v -> Objects.toString(v, null)).toList();
  }

  private static String[] concat(String[] first, String... second) {
    return Stream.concat(Stream.of(first), Stream.of(second)).toArray(String[]::new);
  }
}
