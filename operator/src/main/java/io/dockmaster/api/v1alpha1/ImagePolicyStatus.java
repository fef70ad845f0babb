package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImagePolicyStatus extends ReconciledStatus {

  @JsonPropertyDescription("Number of signature authorities whose keys were loaded.")
  private Integer authorities;

  @JsonPropertyDescription(
      "What this policy would reject among the workloads already running in its scope, evaluated"
          + " when the policy was created or changed.")
  private AuditSummary audit;

  public Integer getAuthorities() {
    return authorities;
  }

  public void setAuthorities(Integer authorities) {
    this.authorities = authorities;
  }

  public AuditSummary getAudit() {
    return audit;
  }

  public void setAudit(AuditSummary audit) {
    this.audit = audit;
  }
}
