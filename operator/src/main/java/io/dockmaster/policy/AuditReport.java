package io.dockmaster.policy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What one policy version would reject among the workloads running in its scope.
 *
 * @param generation the policy generation the workloads were judged against
 * @param namespaces how many namespaces the policy governs
 * @param workloads top-level workloads evaluated
 * @param failing workloads with at least one violation: what Enforce would refuse to re-create
 * @param violations every violation found, including those not listed in {@code findings}
 * @param findings the first violations found, capped so status stays small
 * @param gaps why the counts may fall short (a limit reached, a kind that could not be listed);
 *     empty when every workload in scope was evaluated
 * @param failure why nothing could be evaluated; the counts are then zero and mean nothing
 */
public record AuditReport(
    long generation,
    Instant evaluatedAt,
    int namespaces,
    int workloads,
    int failing,
    int violations,
    List<Finding> findings,
    List<String> gaps,
    Optional<String> failure) {

  public AuditReport {
    findings = List.copyOf(findings);
    gaps = List.copyOf(gaps);
  }

  public static AuditReport failed(long generation, Instant evaluatedAt, String failure) {
    return new AuditReport(
        generation, evaluatedAt, 0, 0, 0, 0, List.of(), List.of(), Optional.of(failure));
  }

  public boolean complete() {
    return failure.isEmpty() && gaps.isEmpty();
  }

  /**
   * One violation of one running workload.
   *
   * @param kind the top-level kind, e.g. Deployment, or Pod for a pod nothing controls
   */
  public record Finding(String namespace, String kind, String name, Violation violation) {}
}
