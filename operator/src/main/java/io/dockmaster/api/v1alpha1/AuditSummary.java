package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuditSummary {

  @JsonPropertyDescription("When the running workloads were last evaluated (RFC 3339).")
  private String evaluatedAt;

  @JsonPropertyDescription("Number of workloads evaluated.")
  private Integer workloads;

  @JsonPropertyDescription("Number of violations found, including those not listed in findings.")
  private Integer violations;

  @JsonPropertyDescription(
      "The first violations found (capped so status stays small); violations gives the total.")
  private List<AuditFinding> findings = new ArrayList<>();

  public String getEvaluatedAt() {
    return evaluatedAt;
  }

  public void setEvaluatedAt(String evaluatedAt) {
    this.evaluatedAt = evaluatedAt;
  }

  public Integer getWorkloads() {
    return workloads;
  }

  public void setWorkloads(Integer workloads) {
    this.workloads = workloads;
  }

  public Integer getViolations() {
    return violations;
  }

  public void setViolations(Integer violations) {
    this.violations = violations;
  }

  public List<AuditFinding> getFindings() {
    return findings;
  }

  public void setFindings(List<AuditFinding> findings) {
    this.findings = findings;
  }
}
