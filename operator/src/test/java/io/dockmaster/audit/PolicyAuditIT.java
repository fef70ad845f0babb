package io.dockmaster.audit;

import static io.dockmaster.audit.TestWorkloads.spec;
import static io.dockmaster.testing.Workloads.controlledBy;
import static io.dockmaster.testing.Workloads.cronJob;
import static io.dockmaster.testing.Workloads.deployment;
import static io.dockmaster.testing.Workloads.job;
import static io.dockmaster.testing.Workloads.pod;
import static io.dockmaster.testing.Workloads.replicaSet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.dockmaster.api.v1alpha1.AuditFinding;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.PolicyMode;
import io.dockmaster.operator.DockmasterOperator;
import io.dockmaster.operator.OperatorSettings;
import io.dockmaster.policy.ImagePolicyStatusBuilder;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.testing.Crds;
import io.dockmaster.testing.OperatorNamespace;
import io.dockmaster.testing.SpecPatch;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit through the operator against a real API server. Without a controller-manager nothing
 * creates ReplicaSets, Jobs or Pods for their owners, so the test creates the owned objects itself,
 * with owner references as their controllers would set them. Every rule here is registry-free.
 */
@EnableKubeAPIServer
class PolicyAuditIT {

  private static final Logger log = LoggerFactory.getLogger(PolicyAuditIT.class);
  private static final String PINNED = "registry.example.com/app@sha256:" + "a".repeat(64);
  private static final String NGINX = "docker.io/library/nginx:1.27";

  static KubernetesClient client;
  static DockmasterOperator operator;

  @BeforeAll
  static void startOperator() {
    Crds.install(client);
    for (String name : List.of("team-a", "team-b", "dockmaster")) {
      namespace(name, true);
    }
    namespace("outside", false);
    await()
        .untilAsserted(
            () -> assertThat(client.namespaces().withName("kube-system").get()).isNotNull());
    client
        .namespaces()
        .withName("kube-system")
        .edit(
            ns ->
                new NamespaceBuilder(ns)
                    .editMetadata()
                    .addToLabels("dockmaster-audit", "on")
                    .endMetadata()
                    .build());

    Deployment web = create(deployment("team-a", "web", spec(NGINX)));
    ReplicaSet webReplicas =
        create(controlledBy(replicaSet("team-a", "web-6d4f", spec(NGINX)), web));
    create(controlledBy(pod("team-a", "web-6d4f-x2x", spec(NGINX)), webReplicas));
    create(pod("team-a", "debug", spec(PINNED, false, 0)));
    CronJob nightly =
        create(cronJob("team-b", "nightly", spec("registry.example.com/report:2", null, 1000)));
    create(
        controlledBy(
            job("team-b", "nightly-29000", spec("registry.example.com/report:2", null, 1000)),
            nightly));
    create(deployment("team-b", "compliant", spec(PINNED)));
    create(deployment("outside", "ignored", spec(NGINX)));
    create(pod("kube-system", "exempt", spec(NGINX)));
    create(deployment("dockmaster", "operator", spec(NGINX)));

    OperatorNamespace.ensure(client);
    operator = DockmasterOperator.start(client, OperatorSettings.local("dockmaster"));
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  void auditsRunningWorkloadsAndRedoesItForANewGeneration() {
    client.resource(policy()).create();

    await()
        .untilAsserted(
            () -> {
              ImagePolicy current = get();
              assertThat(audited(current).getObservedGeneration()).isEqualTo(1L);
              assertThat(current.getStatus().getAudit().getWorkloads())
                  .as(
                      "web, compliant, nightly, debug; not what they control, nor outside or exempt")
                  .isEqualTo(4);
              assertThat(current.getStatus().getAudit().getViolations()).isEqualTo(5);
            });
    ImagePolicy first = get();
    log.info(
        "status after the first audit:\n{}",
        client.getKubernetesSerialization().asYaml(first.getStatus()));
    assertThat(first.getStatus().getAudit().getFindings())
        .extracting(
            AuditFinding::getNamespace,
            AuditFinding::getKind,
            AuditFinding::getName,
            AuditFinding::getContainer,
            AuditFinding::getReason)
        .containsExactly(
            tuple("team-a", "Deployment", "web", "app", "REGISTRY_NOT_ALLOWED"),
            tuple("team-a", "Deployment", "web", "app", "DIGEST_REQUIRED"),
            tuple("team-b", "CronJob", "nightly", "app", "DIGEST_REQUIRED"),
            tuple("team-b", "CronJob", "nightly", "app", "PRIVILEGE_ESCALATION_ALLOWED"),
            tuple("team-a", "Pod", "debug", "app", "RUNS_AS_ROOT"));
    assertThat(audited(first).getReason()).isEqualTo("Complete");
    assertThat(audited(first).getMessage())
        .isEqualTo(
            "4 workloads in 2 namespaces evaluated against generation 1: 3 break the policy and"
                + " would be denied in Enforce mode (5 violations)");
    assertThat(ready(first).getStatus()).as("the audit does not touch Ready").isEqualTo("True");

    // A patch, not a PUT: the audit writes status on its own schedule.
    SpecPatch.patchSpec(
        client,
        ImagePolicy.class,
        "strict",
        ImagePolicy::getSpec,
        spec -> spec.setRequireDigest(false));

    await()
        .untilAsserted(
            () -> {
              ImagePolicy current = get();
              assertThat(audited(current).getObservedGeneration()).isEqualTo(2L);
              assertThat(current.getStatus().getAudit().getViolations()).isEqualTo(3);
            });
    ImagePolicy second = get();
    log.info(
        "status after the second audit:\n{}",
        client.getKubernetesSerialization().asYaml(second.getStatus()));
    assertThat(second.getStatus().getAudit().getFindings())
        .extracting(AuditFinding::getName, AuditFinding::getReason)
        .containsExactly(
            tuple("web", "REGISTRY_NOT_ALLOWED"),
            tuple("nightly", "PRIVILEGE_ESCALATION_ALLOWED"),
            tuple("debug", "RUNS_AS_ROOT"));
    assertThat(second.getStatus().getAudit().getFindings().get(0).getMessage())
        .isEqualTo(
            "ImagePolicy \"strict\": spec.template.spec.containers[0] \"app\" image"
                + " docker.io/library/nginx:1.27: REGISTRY_NOT_ALLOWED: registry docker.io is not"
                + " one of registry.example.com; use an image from an allowed registry, or ask the"
                + " platform team to add docker.io to allowedRegistries");
  }

  private static ImagePolicy policy() {
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setMode(PolicyMode.Audit);
    spec.setNamespaceSelector(
        new LabelSelectorBuilder().addToMatchLabels("dockmaster-audit", "on").build());
    spec.setAllowedRegistries(List.of("registry.example.com"));
    spec.setRequireDigest(true);
    spec.setAllowPrivilegeEscalation(false);
    spec.setRunAsNonRoot(true);
    ImagePolicy policy = new ImagePolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("strict").build());
    policy.setSpec(spec);
    return policy;
  }

  private static ConditionFactory await() {
    return Awaitility.await().atMost(Duration.ofSeconds(30));
  }

  private static ImagePolicy get() {
    return client.resources(ImagePolicy.class).withName("strict").get();
  }

  private static Condition audited(ImagePolicy policy) {
    assertThat(policy.getStatus()).as("status").isNotNull();
    return ConditionSet.find(policy.getStatus().getConditions(), ImagePolicyStatusBuilder.AUDITED)
        .orElseThrow(() -> new AssertionError("no Audited condition yet"));
  }

  private static Condition ready(ImagePolicy policy) {
    return ConditionSet.find(policy.getStatus().getConditions(), ImagePolicyStatusBuilder.READY)
        .orElseThrow();
  }

  private static <T extends HasMetadata> T create(T object) {
    return client.resource(object).create();
  }

  private static void namespace(String name, boolean audited) {
    NamespaceBuilder namespace =
        new NamespaceBuilder().withNewMetadata().withName(name).endMetadata();
    if (audited) {
      namespace.editMetadata().addToLabels("dockmaster-audit", "on").endMetadata();
    }
    client.resource(namespace.build()).create();
  }
}
