package io.dockmaster.e2e;

import static io.dockmaster.e2e.HelmRelease.JSON;
import static io.dockmaster.e2e.HelmRelease.NON_DEFAULT;
import static io.dockmaster.e2e.HelmRelease.assertNoWildcards;
import static io.dockmaster.e2e.HelmRelease.assertSecurePod;
import static io.dockmaster.e2e.HelmRelease.at;
import static io.dockmaster.e2e.HelmRelease.kind;
import static io.dockmaster.e2e.HelmRelease.list;
import static io.dockmaster.e2e.HelmRelease.map;
import static io.dockmaster.e2e.HelmRelease.named;
import static io.dockmaster.e2e.HelmRelease.namesFor;
import static io.dockmaster.e2e.HelmRelease.only;
import static io.dockmaster.e2e.HelmRelease.strings;
import static io.dockmaster.e2e.HelmRelease.verbsFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.admission.WebhookRegistration;
import io.dockmaster.admission.WebhookTarget;
import io.dockmaster.peering.AgentCertificateAuthority;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Method;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The operator's objects as {@code helm template} renders the chart in {@code helm/dockmaster},
 * with the real {@code helm}: the default render (kinds, a secure least-privilege Deployment, the
 * operator-managed certificate Secret and RBAC, service-mode registration), helm-generated webhook
 * certificates that roll the pods when the CA changes, the cert-manager render whose webhook
 * matches what the operator registers itself, and webhook off. Nothing is sent to the API server;
 * the agent's objects are {@link HelmChartAgentRenderE2E}'s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmChartRenderE2E {

  private final HelmRelease helmRelease = HelmRelease.fresh(DevCluster.fromEnvFile(), "dockmaster");
  private final String namespace = helmRelease.namespace();
  private final String release = helmRelease.release();

  @Test
  void defaultRenderIsSecureLeastPrivilegeAndRegistersInServiceMode() throws Exception {
    List<Map<String, Object>> objects = helmRelease.render();
    assertThat(objects.stream().map(HelmRelease::kind).sorted().toList())
        .containsExactly(
            "ClusterRole",
            "ClusterRole",
            "ClusterRoleBinding",
            "ClusterRoleBinding",
            "DaemonSet",
            "Deployment",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Role",
            "Role",
            "Role",
            "RoleBinding",
            "RoleBinding",
            "RoleBinding",
            "Secret",
            "Service",
            "Service",
            "ServiceAccount",
            "ServiceAccount",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
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
            "--webhook-certificate-secret=" + release + "-webhook-tls",
            "--webhook-ca-validity-days=365",
            "--webhook-serving-validity-days=30",
            "--webhook-shutdown-delay-seconds=5",
            "--webhook-service-name=" + release + "-webhook",
            "--webhook-service-port=443",
            "--agent-requester=system:serviceaccount:" + namespace + ":" + release + "-agent")
        .doesNotContain("--no-agent-node-binding")
        .noneMatch(a -> a.startsWith("--webhook-cert-dir"));
    assertThat(list(pod.get("volumes")))
        .as("the operator reads its certificate through the API, not from a mounted Secret")
        .noneMatch(v -> "webhook-certificates".equals(v.get("name")));
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

    List<Map<String, Object>> clusterRules =
        list(at(named(objects, "ClusterRole", release + "-operator"), "rules"));
    assertNoWildcards(clusterRules);
    assertThat(verbsFor(clusterRules, "", "secrets")).containsExactly("get");
    assertThat(verbsFor(clusterRules, "", "pods")).containsExactly("list");
    assertThat(verbsFor(clusterRules, "", "nodes")).containsExactly("list");
    assertThat(verbsFor(clusterRules, "dockmaster.io", "imagepolicies/status")).contains("patch");
    assertThat(verbsFor(clusterRules, "certificates.k8s.io", "certificatesigningrequests"))
        .containsExactlyInAnyOrder("get", "list", "watch");
    assertThat(verbsFor(clusterRules, "certificates.k8s.io", "certificatesigningrequests/approval"))
        .containsExactly("update");
    assertThat(namesFor(clusterRules, "certificates.k8s.io", "signers", "sign"))
        .containsExactly("agents.dockmaster.io/" + namespace);
    assertThat(namesFor(clusterRules, "certificates.k8s.io", "signers", "approve"))
        .containsExactly("agents.dockmaster.io/" + namespace);
    Map<String, Object> webhookRule =
        clusterRules.stream()
            .filter(r -> strings(r.get("resources")).contains("validatingwebhookconfigurations"))
            .findFirst()
            .orElseThrow();
    assertThat(strings(webhookRule.get("resourceNames"))).containsExactly("dockmaster");
    assertThat(strings(webhookRule.get("verbs"))).doesNotContain("create", "delete", "list");
    for (String name : List.of("-leader-election", "-operator", "-agent")) {
      Map<String, Object> role = named(objects, "Role", release + name);
      assertThat(at(role, "metadata", "namespace")).isEqualTo(namespace);
      assertNoWildcards(list(role.get("rules")));
    }
    List<Map<String, Object>> operatorRules =
        list(at(named(objects, "Role", release + "-operator"), "rules"));
    assertThat(namesFor(operatorRules, "", "secrets", "get"))
        .containsExactlyInAnyOrder(AgentCertificateAuthority.NAME, release + "-webhook-tls");
    assertThat(namesFor(operatorRules, "", "configmaps", "patch"))
        .containsExactly(AgentCertificateAuthority.NAME);
    // The webhook certificate is watched and renewed, by name only.
    for (String verb : List.of("list", "watch", "update")) {
      assertThat(namesFor(operatorRules, "", "secrets", verb))
          .as(verb)
          .containsExactly(release + "-webhook-tls");
    }
    assertThat(verbsFor(operatorRules, "", "secrets")).doesNotContain("delete", "patch");
    assertThat(verbsFor(operatorRules, "coordination.k8s.io", "leases"))
        .containsExactlyInAnyOrder("get", "list", "watch");

    // Operator-managed certificates: the chart only creates the Secret, so that it belongs to the
    // release, and renders no data that an upgrade could write over the operator's.
    Map<String, Object> secret = only(objects, "Secret");
    assertThat(at(secret, "metadata", "name")).isEqualTo(release + "-webhook-tls");
    assertThat(secret).containsEntry("type", "Opaque").doesNotContainKeys("data", "stringData");
    assertThat(map(at(deployment, "spec", "template", "metadata")).get("annotations"))
        .satisfiesAnyOf(
            a -> assertThat(a).isNull(),
            a -> assertThat(map(a)).doesNotContainKey("checksum/webhook-ca"));
  }

  @Test
  void helmCertificateModeGeneratesTheCertificateOnceAndRollsThePodsWhenItChanges()
      throws Exception {
    List<Map<String, Object>> objects =
        helmRelease.render("--set", "webhook.certificate.mode=helm");
    Map<String, Object> deployment = only(objects, "Deployment");
    Map<String, Object> container =
        list(at(deployment, "spec", "template", "spec", "containers")).get(0);
    assertThat(strings(container.get("args")))
        .contains("--webhook-cert-dir=/etc/dockmaster/webhook")
        .noneMatch(a -> a.startsWith("--webhook-certificate-secret"));
    List<Map<String, Object>> operatorRules =
        list(at(named(objects, "Role", release + "-operator"), "rules"));
    assertThat(verbsFor(operatorRules, "", "secrets"))
        .doesNotContain("list", "watch", "update", "delete");
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
    assertThat(
            helmRelease
                .template("--set", "webhook.certificate.mode=helm")
                .orFail("helm template")
                .stdout())
        .as(
            "a string whatever its digits: unquoted, 16 hex digits such as 174740122e423046 read as a"
                + " number in YAML, which Kubernetes refuses as an annotation")
        .containsPattern("checksum/webhook-ca: \"[0-9a-f]{16}\"");
  }

  private static String sha256Hex(String text) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void nonDefaultRenderUsesCertManagerAndMatchesTheOperatorsOwnRegistration() throws Exception {
    List<Map<String, Object>> objects = helmRelease.render(NON_DEFAULT);
    assertThat(objects.stream().map(HelmRelease::kind))
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
    List<Map<String, Object>> clusterRules =
        list(at(named(objects, "ClusterRole", release + "-operator"), "rules"));
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
        helmRelease.render("--set", "webhook.mode=off", "--set", "replicaCount=1");
    assertThat(objects.stream().map(HelmRelease::kind))
        .doesNotContain("ValidatingWebhookConfiguration", "Secret", "PodDisruptionBudget");
    assertThat(objects.stream().filter(o -> kind(o).equals("Service"))).hasSize(1);
    Map<String, Object> container =
        list(at(only(objects, "Deployment"), "spec", "template", "spec", "containers")).get(0);
    assertThat(strings(container.get("args"))).contains("--webhook-mode=off");
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
}
