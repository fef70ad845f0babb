package io.dockmaster.admission;

import static io.dockmaster.admission.ImageNamePodReviewer.violation;
import static org.assertj.core.api.Assertions.assertThat;

import io.dockmaster.api.v1alpha1.PolicyMode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdmissionMetricsTest {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AdmissionMetrics metrics = new AdmissionMetrics(registry);
  private final AnswerBuilder answers = new AnswerBuilder();

  @Test
  void countsRequestsByVerdictAndViolationsByPolicyReasonAndMode() {
    metrics.answered(
        metrics.start(),
        "Deployment",
        "CREATE",
        answers.fromViolations(
            "u",
            "Deployment",
            "web",
            List.of(
                violation("prod", PolicyMode.Enforce, "spec.template.spec.containers[0]", "a", "a"),
                violation(
                    "staging", PolicyMode.Warn, "spec.template.spec.containers[1]", "b", "b"))));
    metrics.answered(metrics.start(), "Pod", "DELETE", answers.allow("u"));
    metrics.answered(metrics.start(), "Secret", "CREATE", answers.allow("u"));
    metrics.refused(metrics.start());

    String scrape = registry.scrape();

    assertThat(scrape)
        .contains(
            "dockmaster_admission_requests_total{kind=\"Deployment\",operation=\"CREATE\",verdict=\"denied\"} 1.0")
        .contains(
            "dockmaster_admission_requests_total{kind=\"Pod\",operation=\"DELETE\",verdict=\"allowed\"} 1.0")
        .contains(
            "dockmaster_admission_requests_total{kind=\"other\",operation=\"CREATE\",verdict=\"allowed\"} 1.0")
        .contains(
            "dockmaster_admission_requests_total{kind=\"unknown\",operation=\"unknown\",verdict=\"error\"} 1.0")
        .contains(
            "dockmaster_admission_violations_total{mode=\"Enforce\",policy=\"prod\",reason=\"NOT_SIGNED\"} 1.0")
        .contains(
            "dockmaster_admission_violations_total{mode=\"Warn\",policy=\"staging\",reason=\"NOT_SIGNED\"} 1.0")
        .contains("dockmaster_admission_duration_seconds_bucket{le=")
        .contains("dockmaster_admission_duration_seconds_count 4");
  }
}
