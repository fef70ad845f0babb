package io.dockmaster.api.v1alpha1;

/** What admission does with a workload that breaks an {@link ImagePolicy}. */
public enum PolicyMode {
  /** Deny the request. */
  Enforce,
  /** Admit the request; kubectl prints each violation as a warning. */
  Warn,
  /** Admit the request silently; violations are recorded in the policy's status. */
  Audit
}
