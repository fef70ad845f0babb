package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.AuditFinding;
import io.dockmaster.api.v1alpha1.AuditSummary;
import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.api.v1alpha1.ImagePolicyStatus;
import io.dockmaster.status.ConditionSet;
import io.dockmaster.validation.Validated;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** The one place an {@link ImagePolicy}'s status is computed. */
public final class ImagePolicyStatusBuilder {

  public static final String READY = "Ready";

  /**
   * Whether status.audit describes the running workloads; its observedGeneration is the policy
   * generation they were judged against.
   */
  public static final String AUDITED = "Audited";

  /** Reasons of the Ready condition. */
  public enum Reason {
    Loaded,
    InvalidSpec,
    ReconcileError
  }

  /** Reasons of the Audited condition. */
  public enum AuditReason {
    Complete,
    Partial,
    Failed
  }

  private final Clock clock;

  public ImagePolicyStatusBuilder(Clock clock) {
    this.clock = clock;
  }

  /**
   * @param audit a fresh audit of the running workloads; without one, the previous summary and
   *     Audited condition stay as they were
   */
  public ImagePolicyStatus loaded(
      ImagePolicy policy, LoadedPolicy loaded, Optional<AuditReport> audit) {
    int authorities = loaded.authorities().size();
    String message =
        "Policy generation "
            + loaded.generation()
            + " is in force ("
            + policy.getSpec().getMode()
            + " mode, "
            + authorities
            + (authorities == 1 ? " authority" : " authorities")
            + ")";
    ImagePolicyStatus status = start(policy);
    status.setAuthorities(authorities);
    ConditionSet conditions = conditions(policy).set(READY, true, Reason.Loaded.name(), message);
    audit.ifPresent(report -> audited(status, conditions, report));
    status.setConditions(conditions.toList());
    return status;
  }

  /**
   * @param inForce the version admission still enforces, if an earlier one was valid
   */
  public ImagePolicyStatus refused(
      ImagePolicy policy, Validated<LoadedPolicy> validation, Optional<LoadedPolicy> inForce) {
    String message =
        "Spec refused: "
            + validation.describeErrors()
            + inForce
                .map(p -> ". Generation " + p.generation() + " stays in force")
                .orElse(". No version of this policy is in force");
    ImagePolicyStatus status = start(policy);
    status.setAuthorities(inForce.map(p -> p.authorities().size()).orElse(0));
    status.setConditions(
        conditions(policy).set(READY, false, Reason.InvalidSpec.name(), message).toList());
    return status;
  }

  /** The spec was not acted on, so observedGeneration stays where it was. */
  public ImagePolicyStatus failed(ImagePolicy policy, String message) {
    ImagePolicyStatus status = start(policy);
    if (policy.getStatus() != null) {
      status.setObservedGeneration(policy.getStatus().getObservedGeneration());
    }
    status.setConditions(
        conditions(policy)
            .set(READY, ConditionSet.UNKNOWN, Reason.ReconcileError.name(), message)
            .toList());
    return status;
  }

  /** A failed audit keeps the last summary: stale counts say more than none. */
  private void audited(ImagePolicyStatus status, ConditionSet conditions, AuditReport report) {
    if (report.failure().isPresent()) {
      conditions.set(
          AUDITED,
          false,
          AuditReason.Failed.name(),
          "Running workloads could not be evaluated against generation "
              + report.generation()
              + ": "
              + report.failure().get()
              + ". Retried at the next reconciliation");
      return;
    }
    AuditSummary summary = new AuditSummary();
    summary.setEvaluatedAt(report.evaluatedAt().truncatedTo(ChronoUnit.SECONDS).toString());
    summary.setWorkloads(report.workloads());
    summary.setViolations(report.violations());
    summary.setFindings(report.findings().stream().map(ImagePolicyStatusBuilder::finding).toList());
    status.setAudit(summary);
    conditions.set(
        AUDITED,
        true,
        report.complete() ? AuditReason.Complete.name() : AuditReason.Partial.name(),
        auditMessage(report));
  }

  private static String auditMessage(AuditReport report) {
    String counts =
        report.workloads()
            + (report.workloads() == 1 ? " workload" : " workloads")
            + " in "
            + report.namespaces()
            + (report.namespaces() == 1 ? " namespace" : " namespaces")
            + " evaluated against generation "
            + report.generation()
            + ": "
            + report.failing()
            + (report.failing() == 1 ? " breaks" : " break")
            + " the policy and would be denied in Enforce mode ("
            + report.violations()
            + (report.violations() == 1 ? " violation)" : " violations)");
    return report.gaps().isEmpty()
        ? counts
        : counts + ". Incomplete: " + String.join("; ", report.gaps());
  }

  private static AuditFinding finding(AuditReport.Finding found) {
    AuditFinding finding = new AuditFinding();
    finding.setNamespace(found.namespace());
    finding.setKind(found.kind());
    finding.setName(found.name());
    finding.setContainer(found.violation().container());
    finding.setReason(found.violation().reason().name());
    finding.setMessage(found.violation().message());
    return finding;
  }

  private ImagePolicyStatus start(ImagePolicy policy) {
    ImagePolicyStatus previous = policy.getStatus();
    ImagePolicyStatus status = new ImagePolicyStatus();
    status.setObservedGeneration(policy.getMetadata().getGeneration());
    if (previous != null) {
      status.setAuthorities(previous.getAuthorities());
      status.setAudit(previous.getAudit());
    }
    return status;
  }

  private ConditionSet conditions(ImagePolicy policy) {
    ImagePolicyStatus previous = policy.getStatus();
    return ConditionSet.from(
        previous == null ? null : previous.getConditions(),
        policy.getMetadata().getGeneration() == null ? 0 : policy.getMetadata().getGeneration(),
        clock);
  }
}
