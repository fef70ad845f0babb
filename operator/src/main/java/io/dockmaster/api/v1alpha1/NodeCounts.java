package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeCounts {

  @JsonPropertyDescription("Nodes selected by spec.nodeSelector that run an agent.")
  private Integer desired;

  @JsonPropertyDescription("Nodes that hold every layer of every resolved image.")
  private Integer complete;

  @JsonPropertyDescription("Nodes whose last attempt failed.")
  private Integer failed;

  public NodeCounts() {}

  public NodeCounts(int desired, int complete, int failed) {
    this.desired = desired;
    this.complete = complete;
    this.failed = failed;
  }

  public Integer getDesired() {
    return desired;
  }

  public void setDesired(Integer desired) {
    this.desired = desired;
  }

  public Integer getComplete() {
    return complete;
  }

  public void setComplete(Integer complete) {
    this.complete = complete;
  }

  public Integer getFailed() {
    return failed;
  }

  public void setFailed(Integer failed) {
    this.failed = failed;
  }
}
