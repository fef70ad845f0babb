package io.dockmaster.admission;

import io.dockmaster.policy.Violation;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import java.util.List;

/**
 * The response for the API server together with what metrics and logs need to know about it.
 *
 * @param violations every violation found, whatever its mode, for counting and audit logging
 */
public record AdmissionAnswer(
    AdmissionResponse response, Verdict verdict, List<Violation> violations) {

  public AdmissionAnswer {
    violations = List.copyOf(violations);
  }

  public boolean allowed() {
    return Boolean.TRUE.equals(response.getAllowed());
  }
}
