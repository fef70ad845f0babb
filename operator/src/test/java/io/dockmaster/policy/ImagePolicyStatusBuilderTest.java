package io.dockmaster.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.ImagePolicyStatus;
import io.dockmaster.api.v1alpha1.PolicyMode;
import io.dockmaster.status.ConditionSet;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How an audit report becomes status.audit and the Audited condition. */
class ImagePolicyStatusBuilderTest {

  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00.123Z");
  private final ImagePolicyStatusBuilder statuses =
      new ImagePolicyStatusBuilder(Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void aCompleteAuditFillsTheSummaryAndMarksTheGeneration() {
    ImagePolicy policy = policy(4, null);

    ImagePolicyStatus status =
        statuses.loaded(policy, loaded(4), Optional.of(report(4, List.of())));

    assertThat(status.getAudit().getEvaluatedAt()).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(status.getAudit().getWorkloads()).isEqualTo(12);
    assertThat(status.getAudit().getViolations()).isEqualTo(3);
    assertThat(status.getAudit().getFindings())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.getNamespace()).isEqualTo("team-a");
              assertThat(f.getKind()).isEqualTo("Deployment");
              assertThat(f.getName()).isEqualTo("web");
              assertThat(f.getContainer()).isEqualTo("app");
              assertThat(f.getReason()).isEqualTo("DIGEST_REQUIRED");
              assertThat(f.getMessage())
                  .startsWith(
                      "ImagePolicy \"strict\": spec.template.spec.containers[0] \"app\" image");
            });
    Condition audited = audited(status);
    assertThat(audited.getStatus()).isEqualTo("True");
    assertThat(audited.getReason()).isEqualTo("Complete");
    assertThat(audited.getObservedGeneration()).isEqualTo(4L);
    assertThat(audited.getMessage())
        .isEqualTo(
            "12 workloads in 2 namespaces evaluated against generation 4: 2 break the policy and"
                + " would be denied in Enforce mode (3 violations)");
  }

  @Test
  void aPartialAuditSaysWhatIsMissing() {
    ImagePolicyStatus status =
        statuses.loaded(
            policy(1, null),
            loaded(1),
            Optional.of(report(1, List.of("stopped at the limit of 2000 workloads"))));

    assertThat(audited(status).getReason()).isEqualTo("Partial");
    assertThat(audited(status).getMessage())
        .endsWith("(3 violations). Incomplete: stopped at the limit of 2000 workloads");
  }

  @Test
  void aFailedAuditKeepsTheLastSummary() {
    ImagePolicyStatus previous =
        statuses.loaded(policy(1, null), loaded(1), Optional.of(report(1, List.of())));

    ImagePolicyStatus status =
        statuses.loaded(
            policy(2, previous),
            loaded(2),
            Optional.of(AuditReport.failed(2, NOW, "namespaces could not be listed: forbidden")));

    assertThat(status.getAudit()).isSameAs(previous.getAudit());
    assertThat(audited(status).getStatus()).isEqualTo("False");
    assertThat(audited(status).getReason()).isEqualTo("Failed");
    assertThat(audited(status).getMessage())
        .isEqualTo(
            "Running workloads could not be evaluated against generation 2: namespaces could not"
                + " be listed: forbidden. Retried at the next reconciliation");
  }

  @Test
  void withoutAFreshAuditTheLastOneStaysForItsGeneration() {
    ImagePolicyStatus previous =
        statuses.loaded(policy(1, null), loaded(1), Optional.of(report(1, List.of())));

    ImagePolicyStatus status = statuses.loaded(policy(2, previous), loaded(2), Optional.empty());

    assertThat(status.getAudit()).isSameAs(previous.getAudit());
    assertThat(audited(status).getObservedGeneration()).isEqualTo(1L);
    assertThat(ConditionSet.find(status.getConditions(), "Ready").orElseThrow())
        .satisfies(r -> assertThat(r.getObservedGeneration()).isEqualTo(2L));
    assertThat(status.getConditions())
        .extracting(Condition::getType)
        .containsExactly("Ready", "Audited");
  }

  private static Condition audited(ImagePolicyStatus status) {
    return ConditionSet.find(status.getConditions(), ImagePolicyStatusBuilder.AUDITED)
        .orElseThrow();
  }

  private static AuditReport report(long generation, List<String> gaps) {
    Violation violation =
        new Violation(
            "strict",
            PolicyMode.Audit,
            "spec.template.spec.containers[0]",
            "app",
            "docker.io/library/nginx:1.27",
            Optional.empty(),
            ViolationReason.DIGEST_REQUIRED,
            "it is referenced by tag, which can move, and the policy requires a digest",
            "pin it");
    return new AuditReport(
        generation,
        NOW,
        2,
        12,
        2,
        3,
        List.of(new AuditReport.Finding("team-a", "Deployment", "web", violation)),
        gaps,
        Optional.empty());
  }

  private static LoadedPolicy loaded(long generation) {
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setMode(PolicyMode.Audit);
    return new LoadedPolicy("strict", "uid", generation, spec, List.of(), List.of(), Map.of());
  }

  private static ImagePolicy policy(long generation, ImagePolicyStatus status) {
    ImagePolicy policy = new ImagePolicy();
    policy.setMetadata(
        new ObjectMetaBuilder().withName("strict").withGeneration(generation).build());
    ImagePolicySpec spec = new ImagePolicySpec();
    spec.setMode(PolicyMode.Audit);
    policy.setSpec(spec);
    policy.setStatus(status);
    return policy;
  }
}
