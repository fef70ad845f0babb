package io.dockmaster.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.AuditSummary;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicySpec;
import io.dockmaster.api.v1alpha1.ImagePolicyStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditScheduleTest {

  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  private final AuditSchedule schedule =
      new AuditSchedule(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(30));

  @Test
  void aGenerationNeverAuditedIsDue() {
    assertThat(schedule.isDue(policy(2, null))).isTrue();
    assertThat(schedule.isDue(policy(2, status("True", 1, NOW)))).isTrue();
  }

  @Test
  void anAuditedGenerationIsDueAgainAfterTheInterval() {
    assertThat(schedule.isDue(policy(2, status("True", 2, NOW.minusSeconds(29 * 60))))).isFalse();
    assertThat(schedule.isDue(policy(2, status("True", 2, NOW.minusSeconds(30 * 60))))).isTrue();
  }

  @Test
  void aFailedAuditIsRetried() {
    assertThat(schedule.isDue(policy(2, status("False", 2, NOW)))).isTrue();
  }

  @Test
  void anUnreadableTimestampMeansDue() {
    ImagePolicyStatus status = status("True", 2, NOW);
    status.getAudit().setEvaluatedAt("yesterday");

    assertThat(schedule.isDue(policy(2, status))).isTrue();
  }

  private static ImagePolicyStatus status(String audited, long generation, Instant evaluatedAt) {
    ImagePolicyStatus status = new ImagePolicyStatus();
    AuditSummary summary = new AuditSummary();
    summary.setEvaluatedAt(evaluatedAt.toString());
    status.setAudit(summary);
    status.setConditions(
        List.of(
            new ConditionBuilder()
                .withType("Ready")
                .withStatus("True")
                .withObservedGeneration(generation + 1)
                .build(),
            new ConditionBuilder()
                .withType(ImagePolicyStatusBuilder.AUDITED)
                .withStatus(audited)
                .withObservedGeneration(generation)
                .build()));
    return status;
  }

  private static ImagePolicy policy(long generation, ImagePolicyStatus status) {
    ImagePolicy policy = new ImagePolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName("p").withGeneration(generation).build());
    policy.setSpec(new ImagePolicySpec());
    policy.setStatus(status);
    return policy;
  }
}
