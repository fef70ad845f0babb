package io.dockmaster.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.PolicyMode;
import io.dockmaster.policy.AuditReport;
import io.dockmaster.policy.Violation;
import io.dockmaster.policy.ViolationReason;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuditTallyTest {

  private static final Instant AT = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void countsEveryWorkloadAndViolationAndKeepsTheFirstFindings() {
    AuditTally tally = new AuditTally(2);

    tally.add("a", "Deployment", "clean", List.of());
    tally.add("a", "Deployment", "web", List.of(violation("app"), violation("sidecar")));
    tally.add("b", "Pod", "debug", List.of(violation("shell")));

    AuditReport report = tally.report(7, AT, 2, List.of());
    assertThat(report.workloads()).isEqualTo(3);
    assertThat(report.failing()).isEqualTo(2);
    assertThat(report.violations()).isEqualTo(3);
    assertThat(report.findings())
        .extracting(f -> f.name() + "/" + f.violation().container())
        .containsExactly("web/app", "web/sidecar");
    assertThat(report.complete()).isTrue();
    assertThat(report.generation()).isEqualTo(7);
    assertThat(report.evaluatedAt()).isEqualTo(AT);
  }

  @Test
  void aReportWithGapsIsIncomplete() {
    AuditReport report = new AuditTally(20).report(1, AT, 1, List.of("stopped"));

    assertThat(report.complete()).isFalse();
    assertThat(report.failure()).isEmpty();
  }

  private static Violation violation(String container) {
    return new Violation(
        "strict",
        PolicyMode.Audit,
        "spec.template.spec.containers[0]",
        container,
        "docker.io/library/nginx:1.27",
        Optional.empty(),
        ViolationReason.DIGEST_REQUIRED,
        "it is referenced by tag",
        "pin it");
  }
}
