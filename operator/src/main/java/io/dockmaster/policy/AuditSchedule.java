package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicyStatus;
import io.dockmaster.status.ConditionSet;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * When a policy's running workloads are due for another audit: as soon as a generation has not been
 * audited, again after a failed attempt, and every {@code interval} so that the summary keeps up
 * with workloads that come and go. The Audited condition's observedGeneration records which
 * generation status.audit describes, so the CRD needs no marker of its own.
 */
public final class AuditSchedule {

  /** Often enough to follow deployments, rarely enough that listing the cluster costs little. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(30);

  private final Clock clock;
  private final Duration interval;

  public AuditSchedule(Clock clock, Duration interval) {
    this.clock = clock;
    this.interval = interval;
  }

  public boolean isDue(ImagePolicy policy) {
    ImagePolicyStatus status = policy.getStatus();
    if (status == null || status.getAudit() == null) {
      return true;
    }
    Optional<Condition> audited =
        ConditionSet.find(status.getConditions(), ImagePolicyStatusBuilder.AUDITED);
    if (audited.isEmpty()
        || !ConditionSet.TRUE.equals(audited.get().getStatus())
        || !Objects.equals(
            audited.get().getObservedGeneration(), policy.getMetadata().getGeneration())) {
      return true;
    }
    return evaluatedAt(status.getAudit().getEvaluatedAt())
        .map(at -> !clock.instant().isBefore(at.plus(interval)))
        .orElse(true);
  }

  private static Optional<Instant> evaluatedAt(String value) {
    try {
      return Optional.ofNullable(value).map(Instant::parse);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
