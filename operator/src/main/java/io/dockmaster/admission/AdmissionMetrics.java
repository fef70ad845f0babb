package io.dockmaster.admission;

import io.dockmaster.policy.Violation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Every admission meter, in one place. Prometheus names: {@code
 * dockmaster_admission_requests_total{kind,operation,verdict}}, {@code
 * dockmaster_admission_duration_seconds} (histogram) and {@code
 * dockmaster_admission_violations_total{policy,reason,mode}}.
 */
public final class AdmissionMetrics {

  static final String UNKNOWN = "unknown";

  /** Only the kinds the webhook registers for, so a stray request cannot grow the label set. */
  private static final Set<String> KINDS =
      Set.of(
          "Pod",
          "Deployment",
          "StatefulSet",
          "DaemonSet",
          "ReplicaSet",
          "ReplicationController",
          "Job",
          "CronJob");

  private static final Set<String> OPERATIONS = Set.of("CREATE", "UPDATE", "DELETE", "CONNECT");

  private final MeterRegistry registry;
  private final Timer duration;

  public AdmissionMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.duration =
        Timer.builder("dockmaster.admission.duration")
            .description("Time from receiving an AdmissionReview to answering it")
            .publishPercentileHistogram()
            // Answers past 10s are API-server timeouts anyway; fewer buckets, same insight.
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
  }

  public Timer.Sample start() {
    return Timer.start(registry);
  }

  /** Counts one answered request and its violations, and stops its timer. */
  public void answered(Timer.Sample sample, String kind, String operation, AdmissionAnswer answer) {
    sample.stop(duration);
    requests(kind, operation, answer.verdict());
    violations(answer.violations());
  }

  /** Counts a request refused before it could be judged (malformed, too large, shutting down). */
  public void refused(Timer.Sample sample) {
    sample.stop(duration);
    requests(UNKNOWN, UNKNOWN, Verdict.ERROR);
  }

  private void requests(String kind, String operation, Verdict verdict) {
    Counter.builder("dockmaster.admission.requests")
        .description("AdmissionReviews answered, by verdict")
        .tag(
            "kind",
            kind == null || kind.equals(UNKNOWN) ? UNKNOWN : KINDS.contains(kind) ? kind : "other")
        .tag("operation", OPERATIONS.contains(operation) ? operation : UNKNOWN)
        .tag("verdict", verdict.label())
        .register(registry)
        .increment();
  }

  private void violations(List<Violation> violations) {
    for (Violation violation : violations) {
      Counter.builder("dockmaster.admission.violations")
          .description("Policy violations found by admission, by policy, reason and mode")
          .tag("policy", String.valueOf(violation.policy()))
          .tag("reason", String.valueOf(violation.reason()))
          .tag("mode", String.valueOf(violation.mode()))
          .register(registry)
          .increment();
    }
  }
}
