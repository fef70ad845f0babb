package io.dockmaster.e2e;

import static io.dockmaster.e2e.HelmRelease.assertNoWildcards;
import static io.dockmaster.e2e.HelmRelease.assertSecureContainers;
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

import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.peering.AgentCertificateAuthority;
import io.dockmaster.policy.ImageInspector;
import io.dockmaster.policy.LoadedPolicy;
import io.dockmaster.policy.PodUnderReview;
import io.dockmaster.policy.PolicyEvaluator;
import io.dockmaster.policy.PolicyValidator;
import io.dockmaster.policy.Violation;
import io.dockmaster.policy.ViolationReason;
import io.dockmaster.registry.CredentialsProvider;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The agent's objects as {@code helm template} renders the chart in {@code helm/dockmaster}, with
 * the real {@code helm}: the default non-root DaemonSet on every node with its own smaller RBAC and
 * Lease policy, no agent objects when the agent is disabled, and the runtime mirror that runs the
 * agent as root only when asked to. Pod specs are judged by the project's own ImagePolicy
 * evaluator. Nothing is sent to the API server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HelmChartAgentRenderE2E {

  private final HelmRelease helmRelease = HelmRelease.fresh(DevCluster.fromEnvFile(), "dockmaster");
  private final String namespace = helmRelease.namespace();
  private final String release = helmRelease.release();

  @Test
  void defaultRenderRunsANonRootAgentOnEveryNodeWithItsOwnSmallerRbac() throws Exception {
    List<Map<String, Object>> objects = helmRelease.render();
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
    assertThat((String) env.get("JAVA_TOOL_OPTIONS").get("value"))
        .as("the heap follows the memory limit, and C2 compiles the hot path of a long-lived agent")
        .contains("-XX:MaxRAMPercentage=75")
        .doesNotContain("TieredStopAtLevel");
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
    List<Map<String, Object>> objects = helmRelease.render("--set", "agent.enabled=false");
    assertThat(objects.stream().map(HelmRelease::kind))
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
        helmRelease.render(
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
            helmRelease.render(
                "--set",
                "agent.runtimeMirror.enabled=true",
                "--set",
                "agent.runtimeMirror.runAsRoot=false"),
            "DaemonSet");
    assertSecureContainers(map(at(nonRoot, "spec", "template", "spec")));
    assertThat(baselineViolations(nonRoot)).isEmpty();
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
}
