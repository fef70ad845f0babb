package io.dockmaster.policy;

/**
 * Evaluates the workloads already running in a policy's scope, so that its status can tell a team
 * what Enforce would break before they switch to it.
 */
public interface WorkloadAudit {

  /**
   * Never throws for API or registry trouble: what could not be listed becomes a gap or a failure
   * of the report, an image that could not be checked an {@link ViolationReason#IMAGE_UNAVAILABLE}
   * finding.
   */
  AuditReport audit(LoadedPolicy policy);
}
