package io.dockmaster.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dockmaster.admission.WebhookRegistration;
import io.dockmaster.admission.WebhookTarget;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.control.AgentLease;
import io.dockmaster.distribution.AgentDirectory;
import io.dockmaster.peering.AgentCertificateAuthority;
import io.dockmaster.peering.AgentCertificateRequester;
import io.dockmaster.peering.AgentCsrPolicy;
import io.dockmaster.peering.AgentCsrSigner;
import io.dockmaster.peering.CertificateRequestException;
import io.dockmaster.peering.PeerIdentity;
import io.dockmaster.peering.PeerName;
import io.dockmaster.pki.Pem;
import io.dockmaster.policy.ImageInspector;
import io.dockmaster.policy.LoadedPolicy;
import io.dockmaster.policy.PodUnderReview;
import io.dockmaster.policy.PolicyEvaluator;
import io.dockmaster.policy.PolicyValidator;
import io.dockmaster.policy.Violation;
import io.dockmaster.policy.ViolationReason;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.webhooktls.ManagedWebhookTls;
import io.dockmaster.webhooktls.RotationSettings;
import io.dockmaster.webhooktls.TrustPublisher;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Helm chart in {@code helm/dockmaster}, with the real {@code helm} (built by {@code
 * hack/build-tools.sh helm}) and the dev control plane: lint, render and inspect what it renders,
 * schema errors, a server-side dry run, and a real install, upgrade and uninstall. No kubelet runs
 * in the dev cluster, so the operator and agent pods stay Pending; the RBAC is checked with {@code
 * kubectl auth can-i} and SubjectAccessReviews as the chart's ServiceAccounts instead, and the
 * operator's and agent's own API code runs impersonating them. Pod specs are judged by the
 * project's own ImagePolicy evaluator.
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
  // A second release for the agent code: webhook off, since one cluster holds one "dockmaster"
  // webhook configuration and the install test owns it.
  private final String agentsNamespace = "dockmaster-helm-agents-" + run;
  private final String agentsRelease = "dockmaster-agents-" + run;
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
    commands
        .run("kubectl", "create", "namespace", agentsNamespace)
        .orFail("kubectl create namespace");
  }

  @AfterAll
  void tearDown() {
    // The dev cluster outlives this run: leave nothing behind, passed or failed.
    commands.run(helm, "uninstall", release, "--namespace", namespace, "--wait");
    commands.run("kubectl", "delete", "namespace", namespace, "--wait=false");
    commands.run(helm, "uninstall", agentsRelease, "--namespace", agentsNamespace, "--wait");
    commands.run("kubectl", "delete", "namespace", agentsNamespace, "--wait=false");
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
    List<Map<String, Object>> objects = render("--set", "webhook.certificate.mode=helm");
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
    assertThat(template("--set", "webhook.certificate.mode=helm").orFail("helm template").stdout())
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
        render("--set", "webhook.mode=off", "--set", "replicaCount=1");
    assertThat(objects.stream().map(HelmChartE2E::kind))
        .doesNotContain("ValidatingWebhookConfiguration", "Secret", "PodDisruptionBudget");
    assertThat(objects.stream().filter(o -> kind(o).equals("Service"))).hasSize(1);
    Map<String, Object> container =
        list(at(only(objects, "Deployment"), "spec", "template", "spec", "containers")).get(0);
    assertThat(strings(container.get("args"))).contains("--webhook-mode=off");
  }

  @Test
  void defaultRenderRunsANonRootAgentOnEveryNodeWithItsOwnSmallerRbac() throws Exception {
    List<Map<String, Object>> objects = render();
    Map<String, Object> daemonSet = only(objects, "DaemonSet");
    assertThat(at(daemonSet, "metadata", "name")).isEqualTo(release + "-agent");
    assertThat(map(at(daemonSet, "spec", "updateStrategy", "rollingUpdate")))
        .containsEntry("maxUnavailable", "10%")
        .containsEntry("maxSurge", 0);
    Map<String, Object> pod = map(at(daemonSet, "spec", "template", "spec"));
    assertThat(pod)
        .containsEntry("hostNetwork", true)
        .containsEntry("dnsPolicy", "ClusterFirstWithHostNet")
        .containsEntry("serviceAccountName", release + "-agent")
        .doesNotContainKey("priorityClassName");
    assertSecureContainers(pod);
    assertThat(list(pod.get("tolerations"))).containsExactly(Map.of("operator", "Exists"));
    assertThat(baselineViolations(daemonSet)).isEmpty();

    Map<String, Object> container = list(pod.get("containers")).get(0);
    assertThat(strings(container.get("args")))
        .containsExactly(
            "agent",
            "--peer-port=30020",
            "--runtime-port=30021",
            "--health-port=30022",
            "--cache-dir=/var/lib/dockmaster/cache",
            "--cache-size=20Gi",
            "--cache-high-watermark=0.9",
            "--cache-low-watermark=0.8",
            "--upload-bandwidth=0",
            "--download-bandwidth=0");
    Map<String, Map<String, Object>> env = byName(container.get("env"));
    assertThat(at(env.get("NODE_NAME"), "valueFrom", "fieldRef", "fieldPath"))
        .isEqualTo("spec.nodeName");
    assertThat(at(env.get("NODE_IP"), "valueFrom", "fieldRef", "fieldPath"))
        .isEqualTo("status.hostIP");
    assertThat(env.get("DOCKMASTER_NAMESPACE")).containsEntry("value", namespace);
    assertThat(byName(container.get("ports")).get("http-metrics"))
        .containsEntry("containerPort", 30022);
    assertThat(byName(container.get("ports")).get("peer-mtls"))
        .containsEntry("containerPort", 30020);
    assertThat(at(container, "livenessProbe", "httpGet")).isEqualTo(healthCheck("/healthz"));
    assertThat(at(container, "readinessProbe", "httpGet")).isEqualTo(healthCheck("/readyz"));
    Map<String, Map<String, Object>> volumes = byName(pod.get("volumes"));
    assertThat(volumes.get("cache")).containsKey("emptyDir");
    assertThat(volumes.values())
        .as("the default install mounts nothing from the node")
        .noneMatch(v -> v.containsKey("hostPath"));

    // The operator's Deployment, Services and PodDisruptionBudget must never select agent pods.
    Map<String, Object> agentLabels = map(at(daemonSet, "spec", "template", "metadata", "labels"));
    List<Map<String, Object>> operatorSelectors = new ArrayList<>();
    objects.stream()
        .filter(o -> kind(o).equals("Service"))
        .forEach(service -> operatorSelectors.add(map(at(service, "spec", "selector"))));
    operatorSelectors.add(
        map(at(only(objects, "PodDisruptionBudget"), "spec", "selector", "matchLabels")));
    operatorSelectors.add(map(at(only(objects, "Deployment"), "spec", "selector", "matchLabels")));
    for (Map<String, Object> selector : operatorSelectors) {
      assertThat(agentLabels.entrySet().containsAll(selector.entrySet()))
          .as("agent pod labels %s match selector %s", agentLabels, selector)
          .isFalse();
    }

    List<Map<String, Object>> agentClusterRules =
        list(at(named(objects, "ClusterRole", release + "-agent"), "rules"));
    assertNoWildcards(agentClusterRules);
    assertThat(agentClusterRules)
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(strings(rule.get("resources")))
                  .containsExactly("certificatesigningrequests");
              assertThat(strings(rule.get("verbs")))
                  .containsExactlyInAnyOrder("create", "get", "list", "watch");
            });
    List<Map<String, Object>> agentRules =
        list(at(named(objects, "Role", release + "-agent"), "rules"));
    assertThat(namesFor(agentRules, "", "configmaps", "get"))
        .containsExactly(AgentCertificateAuthority.NAME);
    assertThat(verbsFor(agentRules, "", "secrets")).isEmpty();
    assertThat(verbsFor(agentRules, "coordination.k8s.io", "leases"))
        .containsExactlyInAnyOrder("create", "patch", "delete");

    Map<String, Object> leasePolicy = only(objects, "ValidatingAdmissionPolicy");
    assertThat(
            String.valueOf(
                list(at(leasePolicy, "spec", "matchConditions")).get(0).get("expression")))
        .contains("system:serviceaccount:" + namespace + ":" + release + "-agent");
    assertThat(at(only(objects, "ValidatingAdmissionPolicyBinding"), "spec", "policyName"))
        .isEqualTo(at(leasePolicy, "metadata", "name"));
  }

  @Test
  void agentDisabledRendersNoAgentObjectsButTheOperatorStillSignsForThem() throws Exception {
    List<Map<String, Object>> objects = render("--set", "agent.enabled=false");
    assertThat(objects.stream().map(HelmChartE2E::kind))
        .doesNotContain(
            "DaemonSet", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
    assertThat(objects.stream().map(o -> String.valueOf(at(o, "metadata", "name"))))
        .noneMatch(name -> name.startsWith(release + "-agent"));
    Map<String, Object> container =
        list(at(only(objects, "Deployment"), "spec", "template", "spec", "containers")).get(0);
    assertThat(strings(container.get("args")))
        .contains(
            "--agent-requester=system:serviceaccount:" + namespace + ":" + release + "-agent");
    assertThat(
            namesFor(
                list(at(named(objects, "ClusterRole", release + "-operator"), "rules")),
                "certificates.k8s.io",
                "signers",
                "sign"))
        .containsExactly("agents.dockmaster.io/" + namespace);
  }

  @Test
  void runtimeMirrorRunsTheAgentAsRootWithEveryCapabilityDroppedOnlyWhenAskedTo() throws Exception {
    List<Map<String, Object>> objects =
        render(
            "--set",
            "agent.runtimeMirror.enabled=true",
            "--set",
            "agent.cache.hostPath=/var/lib/dockmaster/cache",
            "--set",
            "agent.nodeBinding=false");
    Map<String, Object> daemonSet = only(objects, "DaemonSet");
    Map<String, Object> pod = map(at(daemonSet, "spec", "template", "spec"));
    Map<String, Object> container = list(pod.get("containers")).get(0);
    assertThat(strings(container.get("args")))
        .contains("--containerd-config-dir=/etc/containerd/certs.d");
    Map<String, Map<String, Object>> volumes = byName(pod.get("volumes"));
    assertThat(map(volumes.get("containerd-config").get("hostPath")))
        .containsEntry("path", "/etc/containerd/certs.d");
    assertThat(map(volumes.get("cache").get("hostPath")))
        .containsEntry("path", "/var/lib/dockmaster/cache");
    assertThat(byName(container.get("volumeMounts")).get("containerd-config"))
        .containsEntry("mountPath", "/etc/containerd/certs.d")
        .doesNotContainKey("readOnly");
    Map<String, Object> security = map(container.get("securityContext"));
    assertThat(security)
        .containsEntry("runAsUser", 0)
        .containsEntry("readOnlyRootFilesystem", true)
        .containsEntry("allowPrivilegeEscalation", false)
        .containsEntry("privileged", false);
    assertThat(map(security.get("capabilities")))
        .containsOnlyKeys("drop")
        .containsEntry("drop", List.of("ALL"));
    assertThat(baselineViolations(daemonSet))
        .as("the chart's own ImagePolicy check sees the root agent")
        .singleElement()
        .satisfies(v -> assertThat(v.reason()).isEqualTo(ViolationReason.RUNS_AS_ROOT));
    assertThat(
            String.valueOf(
                list(at(only(objects, "ValidatingAdmissionPolicy"), "spec", "validations"))
                    .get(0)
                    .get("expression")))
        .contains("startsWith('dockmaster-agent-')");
    assertThat(
            strings(
                list(at(only(objects, "Deployment"), "spec", "template", "spec", "containers"))
                    .get(0)
                    .get("args")))
        .contains("--no-agent-node-binding");

    Map<String, Object> nonRoot =
        only(
            render(
                "--set",
                "agent.runtimeMirror.enabled=true",
                "--set",
                "agent.runtimeMirror.runAsRoot=false"),
            "DaemonSet");
    assertSecureContainers(map(at(nonRoot, "spec", "template", "spec")));
    assertThat(baselineViolations(nonRoot)).isEmpty();
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

    Commands.Result ownSecretManagedByTheOperator =
        template("--set", "webhook.certificate.existingSecret=mine");
    assertThat(ownSecretManagedByTheOperator.exitCode()).isNotZero();
    assertThat(ownSecretManagedByTheOperator.stderr())
        .contains("webhook.certificate.existingSecret", "webhook.certificate.mode=helm");

    Commands.Result servingOutlivesCa =
        template("--set", "webhook.certificate.operator.servingValidityDays=400");
    assertThat(servingOutlivesCa.exitCode()).isNotZero();
    assertThat(servingOutlivesCa.stderr())
        .contains(
            "webhook.certificate.operator.servingValidityDays (400) cannot exceed"
                + " webhook.certificate.operator.caValidityDays (365)");

    Commands.Result noPeerPort = template("--set", "agent.peerPort=0");
    assertThat(noPeerPort.exitCode()).isNotZero();
    assertThat(noPeerPort.stderr()).contains("/agent/peerPort", "minimum");

    Commands.Result negativeWatermark = template("--set-json", "agent.cache.lowWatermark=-0.1");
    assertThat(negativeWatermark.exitCode()).isNotZero();
    assertThat(negativeWatermark.stderr())
        .contains("/agent/cache/lowWatermark", "exclusiveMinimum");

    Commands.Result invertedWatermarks = template("--set", "agent.cache.lowWatermark=0.95");
    assertThat(invertedWatermarks.exitCode()).isNotZero();
    assertThat(invertedWatermarks.stderr())
        .contains("agent.cache.lowWatermark (0.95) must be below agent.cache.highWatermark (0.9)");

    Commands.Result badQuantity = template("--set", "agent.uploadBandwidth=100MB/s");
    assertThat(badQuantity.exitCode()).isNotZero();
    assertThat(badQuantity.stderr()).contains("/agent/uploadBandwidth", "does not match pattern");

    Commands.Result samePorts = template("--set", "agent.healthPort=30020");
    assertThat(samePorts.exitCode()).isNotZero();
    assertThat(samePorts.stderr()).contains("agent.healthPort and agent.peerPort are both 30020");
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
    commands
        .runWithInput(
            template(
                    "--set", "agent.runtimeMirror.enabled=true",
                    "--set", "agent.cache.hostPath=/var/lib/dockmaster/cache",
                    "--set", "agent.nodeBinding=false")
                .orFail("helm template")
                .stdout(),
            "kubectl",
            "apply",
            "--dry-run=server",
            "-f",
            "-")
        .orFail("kubectl apply --dry-run=server (root agent, no node binding)");
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
                "deployment,daemonset,service,serviceaccount,secret,role,rolebinding,pdb,netpol",
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
            "role.rbac.authorization.k8s.io/" + release + "-operator",
            "poddisruptionbudget.policy/" + release,
            "networkpolicy.networking.k8s.io/" + release + "-operator",
            "daemonset.apps/" + release + "-agent",
            "serviceaccount/" + release + "-agent",
            "role.rbac.authorization.k8s.io/" + release + "-agent");
    commands
        .run(
            "kubectl",
            "get",
            "clusterrole/" + release + "-operator",
            "clusterrole/" + release + "-agent",
            "validatingadmissionpolicy/" + release + "-agent-leases",
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
    // P2P distribution: sign for our signer only, keep the agent CA in the release namespace.
    assertThat(signerAllowed(serviceAccount, "sign", "agents.dockmaster.io/" + namespace)).isTrue();
    assertThat(signerAllowed(serviceAccount, "approve", "agents.dockmaster.io/" + namespace))
        .isTrue();
    assertThat(signerAllowed(serviceAccount, "sign", "kubernetes.io/kube-apiserver-client"))
        .isFalse();
    assertThat(signerAllowed(serviceAccount, "approve", "kubernetes.io/kube-apiserver-client"))
        .isFalse();
    assertThat(canI(serviceAccount, "create", "secrets", "--namespace", namespace)).isTrue();
    assertThat(canI(serviceAccount, "create", "secrets", "--namespace", "default")).isFalse();
    assertThat(canI(serviceAccount, "delete", "secrets/dockmaster-agent-ca", "-n", namespace))
        .isFalse();
    assertThat(canI(serviceAccount, "watch", "leases.coordination.k8s.io", "-n", namespace))
        .isTrue();
    assertThat(canI(serviceAccount, "list", "nodes")).isTrue();

    String agent = "system:serviceaccount:" + namespace + ":" + release + "-agent";
    assertThat(canI(agent, "create", "certificatesigningrequests.certificates.k8s.io")).isTrue();
    assertThat(canI(agent, "watch", "certificatesigningrequests.certificates.k8s.io")).isTrue();
    assertThat(
            canI(
                agent,
                "update",
                "certificatesigningrequests.certificates.k8s.io",
                "--subresource=approval"))
        .isFalse();
    assertThat(signerAllowed(agent, "approve", "agents.dockmaster.io/" + namespace)).isFalse();
    assertThat(signerAllowed(agent, "sign", "agents.dockmaster.io/" + namespace)).isFalse();
    assertThat(canI(agent, "get", "secrets/dockmaster-agent-ca", "--namespace", namespace))
        .isFalse();
    assertThat(canI(agent, "get", "secrets", "--namespace", "default")).isFalse();
    assertThat(canI(agent, "list", "pods", "--all-namespaces")).isFalse();
    assertThat(canI(agent, "get", "configmaps/dockmaster-agent-ca", "--namespace", namespace))
        .isTrue();
    assertThat(canI(agent, "get", "configmaps/other", "--namespace", namespace)).isFalse();
    assertThat(canI(agent, "create", "leases.coordination.k8s.io", "--namespace", namespace))
        .isTrue();
    assertThat(canI(agent, "create", "leases.coordination.k8s.io", "--namespace", "default"))
        .isFalse();
    assertThat(canI(agent, "list", "imagemirrors.dockmaster.io")).isFalse();

    // The operator's certificate code, as the chart's ServiceAccount: it fills the Secret the
    // chart created empty, watches it by name and renews it; nothing else.
    String webhookSecret = release + "-webhook-tls";
    assertThat(canI(serviceAccount, "update", "secrets/" + webhookSecret, "-n", namespace))
        .isTrue();
    assertThat(canI(serviceAccount, "update", "secrets/other", "-n", namespace)).isFalse();
    assertThat(canI(serviceAccount, "delete", "secrets/" + webhookSecret, "-n", namespace))
        .isFalse();
    runTheOperatorsCertificateCode(serviceAccount, webhookSecret);

    // helm upgrade leaves what the operator wrote alone: the chart renders the Secret without data.
    String caBefore = secretField(release + "-webhook-tls", "ca\\.crt");
    assertThat(caBefore).isNotEmpty();
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
    assertThat(
            commands
                .run("kubectl", "get", "validatingadmissionpolicy", release + "-agent-leases")
                .exitCode())
        .isNotZero();
  }

  private void runTheOperatorsCertificateCode(String serviceAccount, String secretName)
      throws Exception {
    List<String> names = new WebhookTarget.Service(namespace, release + "-webhook", 443).dnsNames();
    List<BigInteger> served = new CopyOnWriteArrayList<>();
    AtomicReference<String> published = new AtomicReference<>("");
    TrustPublisher publisher =
        new TrustPublisher() {
          // The real configuration would send every pod of the shared dev cluster to a webhook
          // no pod serves here; its RBAC is checked with can-i above.
          @Override
          public Published read() {
            return new Published(published.get(), "1");
          }

          @Override
          public boolean publish(String bundlePem, Published basedOn) {
            published.set(bundlePem);
            return true;
          }
        };
    try (KubernetesClient operator = impersonating(serviceAccount, Map.of());
        ManagedWebhookTls tls =
            ManagedWebhookTls.bootstrap(
                operator,
                namespace,
                secretName,
                new RotationSettings(
                    Duration.ofMinutes(10), Duration.ofSeconds(3), Duration.ofSeconds(1)),
                names,
                publisher,
                Clock.systemUTC())) {
      tls.start(
          (chain, key) ->
              served.add(Pem.readCertificates(chain, "tls.crt").get(0).getSerialNumber()));
      // A serving certificate for three seconds is renewed after two: written by name.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(served).isNotEmpty());
      assertThat(published.get())
          .isEqualTo(
              new String(
                  Base64.getDecoder().decode(secretField(secretName, "ca\\.crt")),
                  java.nio.charset.StandardCharsets.US_ASCII));
      assertThat(
              operator
                  .secrets()
                  .inNamespace(namespace)
                  .withField("metadata.name", secretName)
                  .list()
                  .getItems())
          .as("a list by name, as the informer makes")
          .hasSize(1);
      assertThat(
              catchThrowableOfType(
                      KubernetesClientException.class,
                      () -> operator.secrets().inNamespace(namespace).list())
                  .getCode())
          .as("but no list of every Secret")
          .isEqualTo(403);
    }
    // Without those rights the operator says which it lacks, instead of retrying forever.
    try (KubernetesClient agent =
        impersonating("system:serviceaccount:" + namespace + ":" + release + "-agent", Map.of())) {
      assertThatThrownBy(
              () ->
                  ManagedWebhookTls.bootstrap(
                      agent,
                      namespace,
                      secretName,
                      RotationSettings.defaults(),
                      names,
                      publisher,
                      Clock.systemUTC()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("may not use Secret " + namespace + "/" + secretName)
          .hasMessageContaining("get, list, watch and update on it by name");
    }
  }

  /**
   * The operator's and the agent's own API code (CA, certificate signing requests, Leases, the
   * agent directory), run as the chart's ServiceAccounts: the RBAC and the Lease policy are enough
   * for what the code does, and refuse what an agent on another node would try.
   */
  @Test
  void theAgentAndOperatorCodeWorkWithTheChartsRbacAndNothingMore() throws Exception {
    commands
        .run(
            helm,
            "install",
            agentsRelease,
            chart.toString(),
            "--namespace",
            agentsNamespace,
            "--set",
            "webhook.mode=off",
            "--set",
            "replicaCount=1")
        .orFail("helm install");
    String ns = agentsNamespace;
    String requester =
        strings(
                JSON.readValue(
                    commands
                        .run(
                            "kubectl",
                            "get",
                            "deployment",
                            agentsRelease,
                            "-n",
                            ns,
                            "-o",
                            "jsonpath={.spec.template.spec.containers[0].args}")
                        .orFail("kubectl get deployment")
                        .stdout(),
                    List.class))
            .stream()
            .filter(a -> a.startsWith("--agent-requester="))
            .map(a -> a.substring("--agent-requester=".length()))
            .findFirst()
            .orElseThrow();
    String agentUser = "system:serviceaccount:" + ns + ":" + agentsRelease + "-agent";
    assertThat(requester).isEqualTo(agentUser);
    String node = "node-" + run;
    try (KubernetesClient admin = new KubernetesClientBuilder().withConfig(kubeconfig()).build();
        KubernetesClient operator =
            impersonating("system:serviceaccount:" + ns + ":" + agentsRelease, Map.of());
        KubernetesClient agent =
            impersonating(
                agentUser, Map.of("authentication.kubernetes.io/node-name", List.of(node)))) {
      try {
        AgentCertificateAuthority ca = AgentCertificateAuthority.loadOrCreate(operator, ns);
        assertThat(AgentCertificateAuthority.loadOrCreate(operator, ns).certificate())
            .as("a restarted operator reads the CA back and publishes it again")
            .isEqualTo(ca.certificate());
        assertThat(AgentCertificateAuthority.publishedCertificate(agent, ns))
            .isEqualTo(ca.certificate());
        assertThat(
                catchThrowableOfType(
                        KubernetesClientException.class,
                        () ->
                            agent
                                .secrets()
                                .inNamespace(ns)
                                .withName(AgentCertificateAuthority.NAME)
                                .get())
                    .getCode())
            .as("the agent cannot read the CA key")
            .isEqualTo(403);

        try (AgentCsrSigner signer =
            new AgentCsrSigner(
                operator, ns, ca, AgentCsrPolicy.of(List.of(requester)), Clock.systemUTC())) {
          signer.start();
          PeerIdentity identity = requestCertificate(agent, ns, node);
          assertThat(identity.name()).isEqualTo(PeerName.agent(node));
          identity.leaf().verify(ca.certificate().getPublicKey());
          assertThat(
                  catchThrowableOfType(
                      CertificateRequestException.class,
                      () -> requestCertificate(agent, ns, "other-" + node)))
              .hasMessageContaining("was denied")
              .hasMessageContaining("runs on node " + node);
        }

        applyLease(agent, ns, node);
        try (AgentDirectory directory = new AgentDirectory(operator, ns, Clock.systemUTC())) {
          await()
              .atMost(Duration.ofSeconds(20))
              .untilAsserted(
                  () ->
                      assertThat(directory.live(Optional.empty()))
                          .extracting(AgentLease::node)
                          .containsExactly(node));
          assertThat(
                  directory.live(
                      Optional.of(
                          new LabelSelectorBuilder()
                              .addToMatchLabels("kubernetes.io/os", "linux")
                              .build())))
              .as("listing Nodes is allowed, and none is the test agent's")
              .isEmpty();
        }
        // The API server enforces a ValidatingAdmissionPolicy once its informers have seen the
        // policy and its binding, a moment after the install: a write just before is let through.
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  KubernetesClientException otherLease =
                      catchThrowableOfType(
                          KubernetesClientException.class,
                          () -> applyLease(agent, ns, "other-" + node));
                  assertThat(otherLease).as("writing another node's Lease").isNotNull();
                  assertThat(otherLease.getCode()).isEqualTo(403);
                  assertThat(otherLease)
                      .hasMessageContaining("may write only Lease " + AgentLease.leaseName(node));
                });
        KubernetesClientException leaderLease =
            catchThrowableOfType(
                KubernetesClientException.class,
                () ->
                    agent
                        .leases()
                        .inNamespace(ns)
                        .resource(
                            new LeaseBuilder()
                                .withNewMetadata()
                                .withName("dockmaster-operator")
                                .endMetadata()
                                .withNewSpec()
                                .withHolderIdentity(node)
                                .endSpec()
                                .build())
                        .fieldManager("dockmaster-agent")
                        .serverSideApply());
        assertThat(leaderLease.getCode())
            .as("an agent cannot take the operator's leader-election Lease")
            .isEqualTo(403);
        agent.leases().inNamespace(ns).withName(AgentLease.leaseName(node)).delete();
        assertThat(admin.leases().inNamespace(ns).withName(AgentLease.leaseName(node)).get())
            .isNull();
      } finally {
        // CertificateSigningRequests are cluster-scoped: remove this run's.
        admin.certificates().v1().certificateSigningRequests().list().getItems().stream()
            .filter(csr -> agentUser.equals(csr.getSpec().getUsername()))
            .forEach(csr -> admin.resource(csr).delete());
      }
    }
    commands
        .run(helm, "uninstall", agentsRelease, "--namespace", ns, "--wait")
        .orFail("helm uninstall");
  }

  /**
   * What the agent does at start-up: a request for this install's signer
   * (agents.dockmaster.io/&lt;namespace&gt;), which no other install on the cluster answers.
   */
  private static PeerIdentity requestCertificate(KubernetesClient agent, String ns, String node)
      throws CertificateRequestException {
    try {
      return new AgentCertificateRequester(
              agent, ns, node, Duration.ofHours(1), Duration.ofMinutes(1))
          .request();
    } catch (CertificateRequestException e) {
      if (e.getMessage().contains("requested by user")) {
        throw new AssertionError(
            "another Dockmaster operator on this cluster refused the request before the one under"
                + " test could sign it; run this test when no other operator runs: "
                + e.getMessage(),
            e);
      }
      throw e;
    }
  }

  /** What the agent's AgentRegistration does: server-side apply of its Lease. */
  private static void applyLease(KubernetesClient client, String ns, String node) {
    client
        .leases()
        .inNamespace(ns)
        .resource(
            new AgentLease(
                    node,
                    "https://192.0.2.10:30020",
                    "linux/amd64",
                    0,
                    0,
                    Instant.now(),
                    Instant.now(),
                    30)
                .toLease(ns))
        .fieldManager("dockmaster-agent")
        .forceConflicts()
        .serverSideApply();
  }

  private Config kubeconfig() throws IOException {
    return Config.fromKubeconfig(Files.readString(cluster.kubeconfig()));
  }

  /** A client acting as {@code user}, as the API server would see a pod's ServiceAccount. */
  private KubernetesClient impersonating(String user, Map<String, List<String>> extras)
      throws IOException {
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

  /**
   * Whether {@code user} may {@code verb} (approve, sign) for a CSR signer. A SubjectAccessReview,
   * since {@code kubectl auth can-i} cannot name a signer: its name has a slash.
   */
  private boolean signerAllowed(String user, String verb, String signer) throws IOException {
    Map<String, Object> review =
        Map.of(
            "apiVersion",
            "authorization.k8s.io/v1",
            "kind",
            "SubjectAccessReview",
            "spec",
            Map.of(
                "user",
                user,
                "resourceAttributes",
                Map.of(
                    "group",
                    "certificates.k8s.io",
                    "resource",
                    "signers",
                    "name",
                    signer,
                    "verb",
                    verb)));
    String answer =
        commands
            .runWithInput(
                JSON.writeValueAsString(review), "kubectl", "create", "-f", "-", "-o", "json")
            .orFail("SubjectAccessReview")
            .stdout();
    return Boolean.TRUE.equals(at(JSON.readValue(answer, Map.class), "status", "allowed"));
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

  /** A pod on the pod network whose containers are all {@link #assertSecureContainers secure}. */
  private static void assertSecurePod(Map<String, Object> pod) {
    assertThat(pod.get("hostNetwork")).isNull();
    assertSecureContainers(pod);
  }

  /** Every container runs as non-root, read-only, without privilege escalation or capabilities. */
  private static void assertSecureContainers(Map<String, Object> pod) {
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

  /**
   * The names the rules let {@code verb} act on for {@code resource}: empty when none, {@code *}
   * when any name.
   */
  private static Set<String> namesFor(
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

  /**
   * What the project's own ImagePolicy evaluator says about a workload's pod spec under a baseline
   * policy (Enforce, runAsNonRoot, allowPrivilegeEscalation: false). The chart sets runAsUser, so
   * the registry is never asked: an inspector that fails the test stands in for it.
   */
  private List<Violation> baselineViolations(Map<String, Object> workload) throws IOException {
    KubernetesSerialization serialization = new KubernetesSerialization();
    ImagePolicy policy =
        serialization.unmarshal(
            """
            apiVersion: dockmaster.io/v1alpha1
            kind: ImagePolicy
            metadata:
              name: baseline
              uid: baseline
            spec:
              mode: Enforce
              runAsNonRoot: true
              allowPrivilegeEscalation: false
            """,
            ImagePolicy.class);
    LoadedPolicy loaded =
        new PolicyValidator(
                reference -> {
                  throw new AssertionError("the baseline policy names no Secret");
                })
            .validate(policy)
            .value()
            .orElseThrow();
    ImageInspector noRegistry =
        (ImageInspector)
            java.lang.reflect.Proxy.newProxyInstance(
                ImageInspector.class.getClassLoader(),
                new Class<?>[] {ImageInspector.class},
                (proxy, method, args) -> {
                  throw new AssertionError("the baseline rules asked the registry: " + method);
                });
    PolicyEvaluator evaluator =
        new PolicyEvaluator(
            () -> List.of(loaded),
            noRegistry,
            (ns, secrets) -> CredentialsProvider.anonymous(),
            Set.of());
    PodSpec spec =
        serialization.convertValue(at(workload, "spec", "template", "spec"), PodSpec.class);
    return evaluator.review(
        new PodUnderReview(
            namespace,
            Map.of(),
            kind(workload),
            String.valueOf(at(workload, "metadata", "name")),
            "spec.template.spec",
            spec,
            false,
            List.of()));
  }

  private static Map<String, Map<String, Object>> byName(Object namedItems) {
    Map<String, Map<String, Object>> byName = new HashMap<>();
    for (Map<String, Object> item : list(namedItems)) {
      byName.put(String.valueOf(item.get("name")), item);
    }
    return byName;
  }

  private static Map<String, Object> healthCheck(String path) {
    return Map.of("path", path, "port", "http-metrics");
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
