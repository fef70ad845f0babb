package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One container of one running workload that the policy would reject, and why. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuditFinding {

  @JsonPropertyDescription("Namespace of the workload.")
  private String namespace;

  @JsonPropertyDescription("Kind of the workload, e.g. Deployment.")
  private String kind;

  @JsonPropertyDescription("Name of the workload.")
  private String name;

  @JsonPropertyDescription("Name of the offending container.")
  private String container;

  @JsonPropertyDescription("Stable reason code, e.g. NOT_SIGNED or RUNS_AS_ROOT.")
  private String reason;

  @JsonPropertyDescription("The violation as admission would report it.")
  private String message;

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getContainer() {
    return container;
  }

  public void setContainer(String container) {
    this.container = container;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
