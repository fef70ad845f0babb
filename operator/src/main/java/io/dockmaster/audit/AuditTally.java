package io.dockmaster.audit;

import io.dockmaster.policy.AuditReport;
import io.dockmaster.policy.Violation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Counts what an audit found and keeps the first findings, up to a cap. */
final class AuditTally {

  private final int maxFindings;
  private final List<AuditReport.Finding> findings = new ArrayList<>();
  private int workloads;
  private int failing;
  private int violations;

  AuditTally(int maxFindings) {
    this.maxFindings = maxFindings;
  }

  void add(String namespace, String kind, String name, List<Violation> found) {
    workloads++;
    if (found.isEmpty()) {
      return;
    }
    failing++;
    violations += found.size();
    for (Violation violation : found) {
      if (findings.size() == maxFindings) {
        return;
      }
      findings.add(new AuditReport.Finding(namespace, kind, name, violation));
    }
  }

  int workloads() {
    return workloads;
  }

  AuditReport report(long generation, Instant evaluatedAt, int namespaces, List<String> gaps) {
    return new AuditReport(
        generation,
        evaluatedAt,
        namespaces,
        workloads,
        failing,
        violations,
        findings,
        gaps,
        Optional.empty());
  }
}
