package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** The part of status every Dockmaster resource shares: what was seen, and how it went. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class ReconciledStatus {

  @JsonPropertyDescription(
      "The metadata.generation this status describes. When it lags behind metadata.generation,"
          + " the operator has not yet acted on the latest spec.")
  private Long observedGeneration;

  @JsonPropertyDescription("Current state, as standard Kubernetes conditions (Ready and others).")
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }
}
