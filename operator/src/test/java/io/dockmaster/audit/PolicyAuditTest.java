package io.dockmaster.audit;

import static io.dockmaster.audit.TestWorkloads.spec;
import static io.dockmaster.audit.TestWorkloads.specWithoutUser;
import static io.dockmaster.testing.Workloads.controlledBy;
import static io.dockmaster.testing.Workloads.cronJob;
import static io.dockmaster.testing.Workloads.daemonSet;
import static io.dockmaster.testing.Workloads.deployment;
import static io.dockmaster.testing.Workloads.job;
import static io.dockmaster.testing.Workloads.pod;
import static io.dockmaster.testing.Workloads.replicaSet;
import static io.dockmaster.testing.Workloads.replicationController;
import static io.dockmaster.testing.Workloads.statefulSet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.dockmaster.admission.PodSpecLocator;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.PolicyMode;
import io.dockmaster.policy.AuditReport;
import io.dockmaster.policy.ImageFacts;
import io.dockmaster.policy.ImageInspector;
import io.dockmaster.policy.ImagePattern;
import io.dockmaster.policy.LoadedPolicy;
import io.dockmaster.policy.PolicyScope;
import io.dockmaster.policy.ViolationReason;
import io.dockmaster.registry.CredentialsProvider;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryExceptions;
import io.dockmaster.signature.SignatureVerdict;
import io.dockmaster.testing.ManualClock;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The audit over a cluster in memory, with the real evaluator and the webhook's locator. */
class PolicyAuditTest {

  private static final String PINNED = "registry.example.com/app@sha256:" + "a".repeat(64);
  private static final String NGINX_DIGEST = "docker.io/library/nginx@sha256:" + "b".repeat(64);

  private final InMemoryWorkloads cluster =
      new InMemoryWorkloads()
          .namespace("team-a", "audit", "on")
          .namespace("team-b", "audit", "on")
          .namespace("outside")
          .namespace("kube-system", "audit", "on")
          .namespace("dockmaster", "audit", "on");
  private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final SlowRegistry registry = new SlowRegistry(clock);

  @Test
  void judgesTopLevelWorkloadsInScopeWhateverTheMode() {
    Deployment web = deployment("team-a", "web", spec("docker.io/library/nginx:1.27"));
    ReplicaSet webReplicas =
        controlledBy(replicaSet("team-a", "web-6d4f", spec("docker.io/library/nginx:1.27")), web);
    Pod webPod =
        controlledBy(
            pod("team-a", "web-6d4f-x2x", spec("docker.io/library/nginx:1.27")), webReplicas);
    CronJob nightly =
        cronJob("team-b", "nightly", spec("registry.example.com/report:2", null, 1000));
    Job nightlyRun =
        controlledBy(
            job("team-b", "nightly-28000", spec("registry.example.com/report:2")), nightly);
    cluster.add(
        web,
        webReplicas,
        webPod,
        nightly,
        nightlyRun,
        pod("team-a", "debug", spec(PINNED, false, 0)),
        deployment("team-b", "compliant", spec(PINNED)),
        deployment("outside", "ignored", spec("docker.io/library/nginx:1.27")),
        pod("kube-system", "exempt", spec("docker.io/library/nginx:1.27")),
        deployment("dockmaster", "operator", spec("docker.io/library/nginx:1.27")));

    AuditReport report = audit(AuditLimits.defaults()).audit(strict(PolicyMode.Audit));

    assertThat(report.complete()).isTrue();
    assertThat(report.generation()).isEqualTo(3);
    assertThat(report.namespaces()).isEqualTo(2);
    assertThat(report.workloads()).as("web, compliant, nightly, debug").isEqualTo(4);
    assertThat(report.failing()).isEqualTo(3);
    assertThat(report.violations()).isEqualTo(5);
    assertThat(report.findings())
        .extracting(
            AuditReport.Finding::namespace,
            AuditReport.Finding::kind,
            AuditReport.Finding::name,
            f -> f.violation().container(),
            f -> f.violation().reason())
        .containsExactly(
            tuple("team-a", "Deployment", "web", "app", ViolationReason.REGISTRY_NOT_ALLOWED),
            tuple("team-a", "Deployment", "web", "app", ViolationReason.DIGEST_REQUIRED),
            tuple("team-b", "CronJob", "nightly", "app", ViolationReason.DIGEST_REQUIRED),
            tuple(
                "team-b",
                "CronJob",
                "nightly",
                "app",
                ViolationReason.PRIVILEGE_ESCALATION_ALLOWED),
            tuple("team-a", "Pod", "debug", "app", ViolationReason.RUNS_AS_ROOT));
    assertThat(report.findings().get(2).violation().field())
        .isEqualTo("spec.jobTemplate.spec.template.spec.containers[0]");
    assertThat(registry.inspections).as("every rule here is registry-free").isZero();
  }

  @Test
  void everyAuditedKindIsJudgedAtItsPodSpec() {
    cluster.add(
        deployment("team-a", "deployment", spec(NGINX_DIGEST)),
        statefulSet("team-a", "statefulset", spec(NGINX_DIGEST)),
        daemonSet("team-a", "daemonset", spec(NGINX_DIGEST)),
        cronJob("team-a", "cronjob", spec(NGINX_DIGEST)),
        job("team-a", "job", spec(NGINX_DIGEST)),
        replicaSet("team-a", "replicaset", spec(NGINX_DIGEST)),
        replicationController("team-a", "rc", spec(NGINX_DIGEST)),
        pod("team-a", "pod", spec(NGINX_DIGEST)));

    AuditReport report = audit(AuditLimits.defaults()).audit(strict(PolicyMode.Enforce));

    assertThat(report.findings())
        .extracting(f -> f.kind() + " " + f.name() + " " + f.violation().field())
        .containsExactly(
            "Deployment deployment spec.template.spec.containers[0]",
            "StatefulSet statefulset spec.template.spec.containers[0]",
            "DaemonSet daemonset spec.template.spec.containers[0]",
            "CronJob cronjob spec.jobTemplate.spec.template.spec.containers[0]",
            "Job job spec.template.spec.containers[0]",
            "ReplicaSet replicaset spec.template.spec.containers[0]",
            "ReplicationController rc spec.template.spec.containers[0]",
            "Pod pod spec.containers[0]");
    assertThat(report.findings())
        .extracting(f -> f.violation().reason())
        .containsOnly(ViolationReason.REGISTRY_NOT_ALLOWED);
  }

  @Test
  void exemptNamespacesCountWhenTheSelectorNamesThem() {
    cluster.add(pod("kube-system", "static", spec("docker.io/library/nginx:1.27")));
    ImagePolicySpec spec = strictSpec(PolicyMode.Enforce);
    spec.setNamespaceSelector(
        new LabelSelectorBuilder()
            .addToMatchLabels("kubernetes.io/metadata.name", "kube-system")
            .build());

    AuditReport report = audit(AuditLimits.defaults()).audit(loaded(spec));

    assertThat(report.namespaces()).isEqualTo(1);
    assertThat(report.findings()).extracting(AuditReport.Finding::name).contains("static");
  }

  @Test
  void listsEveryViolationInTheCountButOnlyTheFirstInStatus() {
    for (int i = 0; i < 5; i++) {
      cluster.add(deployment("team-a", "web-" + i, spec("docker.io/library/nginx:1.27")));
    }

    AuditReport report =
        audit(new AuditLimits(100, 3, Duration.ofMinutes(1))).audit(strict(PolicyMode.Warn));

    assertThat(report.violations()).isEqualTo(10);
    assertThat(report.failing()).isEqualTo(5);
    assertThat(report.findings())
        .extracting(AuditReport.Finding::name)
        .containsExactly("web-0", "web-0", "web-1");
    assertThat(report.complete()).as("capped findings are not a gap").isTrue();
  }

  @Test
  void stopsAtTheWorkloadLimitAndSaysSo() {
    for (int i = 0; i < 3; i++) {
      cluster.add(deployment("team-a", "web-" + i, spec(PINNED)));
    }

    assertThat(audit(new AuditLimits(3, 20, Duration.ofMinutes(1))).audit(strict(PolicyMode.Audit)))
        .as("exactly the limit is complete")
        .satisfies(r -> assertThat(r.complete()).isTrue());

    cluster.add(pod("team-b", "one-more", spec(PINNED)));
    AuditReport report =
        audit(new AuditLimits(3, 20, Duration.ofMinutes(1))).audit(strict(PolicyMode.Audit));
    assertThat(report.workloads()).isEqualTo(3);
    assertThat(report.gaps())
        .containsExactly(
            "stopped at the limit of 3 workloads; more run in scope and were not evaluated");
  }

  @Test
  void stopsWhenTheTimeBudgetIsSpent() {
    for (int i = 0; i < 5; i++) {
      cluster.add(deployment("team-a", "web-" + i, specWithoutUser("registry.example.com/app:1")));
    }
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setRunAsNonRoot(true);
    spec.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("audit", "on").build());

    AuditReport report =
        audit(new AuditLimits(100, 20, Duration.ofSeconds(60))).audit(loaded(spec));

    assertThat(report.workloads()).as("each review takes 25s of a 60s budget").isEqualTo(3);
    assertThat(report.gaps())
        .containsExactly(
            "stopped after the time budget of 60s; the remaining workloads were not evaluated");
    assertThat(report.findings())
        .extracting(f -> f.violation().reason())
        .containsOnly(ViolationReason.IMAGE_UNAVAILABLE);
  }

  @Test
  void aKindTheRoleCannotListIsAGapNotAFailure() {
    cluster
        .add(cronJob("team-b", "nightly", spec("docker.io/library/nginx:1.27")))
        .add(deployment("team-a", "web", spec("docker.io/library/nginx:1.27")))
        .refuse(CronJob.class);

    AuditReport report = audit(AuditLimits.defaults()).audit(strict(PolicyMode.Audit));

    assertThat(report.failure()).isEmpty();
    assertThat(report.workloads()).isEqualTo(1);
    assertThat(report.gaps())
        .containsExactly(
            "cronjobs.batch could not be listed: forbidden; the operator's role needs list on"
                + " cronjobs.batch in all namespaces");
  }

  @Test
  void withoutNamespacesThereIsNoAudit() {
    cluster.refuseNamespaces();

    AuditReport report = audit(AuditLimits.defaults()).audit(strict(PolicyMode.Audit));

    assertThat(report.failure())
        .contains(
            "namespaces could not be listed: forbidden; the operator's role needs list on"
                + " namespaces in all namespaces");
    assertThat(report.evaluatedAt()).isEqualTo(clock.instant());
  }

  @Test
  void aSelectorThatSelectsNothingListsNothing() {
    ImagePolicySpec spec = strictSpec(PolicyMode.Audit);
    spec.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("team", "z").build());

    AuditReport report = audit(AuditLimits.defaults()).audit(loaded(spec));

    assertThat(report.complete()).isTrue();
    assertThat(report.workloads()).isZero();
    assertThat(cluster.listed).isEmpty();
  }

  private PolicyAudit audit(AuditLimits limits) {
    return new PolicyAudit(
        cluster,
        new PodSpecLocator(new KubernetesSerialization()),
        registry,
        (namespace, secrets) -> CredentialsProvider.anonymous(),
        new PolicyScope(Set.of("kube-system", "dockmaster")),
        limits,
        clock);
  }

  /** Registry-free rules only: registry allowlist, digests, privilege escalation, root in spec. */
  private static ImagePolicySpec strictSpec(PolicyMode mode) {
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setMode(mode);
    spec.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("audit", "on").build());
    spec.setAllowedRegistries(List.of("registry.example.com"));
    spec.setRequireDigest(true);
    spec.setAllowPrivilegeEscalation(false);
    spec.setRunAsNonRoot(true);
    return spec;
  }

  private static LoadedPolicy strict(PolicyMode mode) {
    return loaded(strictSpec(mode));
  }

  private static LoadedPolicy loaded(ImagePolicySpec spec) {
    return new LoadedPolicy(
        "strict",
        "uid-strict",
        3,
        spec,
        spec.getImages().stream().map(ImagePattern::compile).toList(),
        List.of(),
        Map.of());
  }

  /** A registry that is down, and takes 25 seconds to say so: nothing is cached. */
  private static final class SlowRegistry implements ImageInspector {
    private final ManualClock clock;
    int inspections;

    SlowRegistry(ManualClock clock) {
      this.clock = clock;
    }

    @Override
    public ImageFacts inspect(ImageReference reference, CredentialsProvider credentials) {
      inspections++;
      clock.advance(Duration.ofSeconds(25));
      throw RegistryExceptions.unreachable(reference.registry());
    }

    @Override
    public SignatureVerdict signatures(
        ImageReference imageAtDigest, LoadedPolicy policy, CredentialsProvider credentials) {
      throw new AssertionError("no policy here checks signatures");
    }

    @Override
    public io.dockmaster.signature.AttestationVerdict attestations(
        ImageReference imageAtDigest, LoadedPolicy policy, CredentialsProvider credentials) {
      throw new AssertionError("no policy here checks attestations");
    }
  }
}
