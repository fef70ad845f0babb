package io.dockmaster.policy;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Either a policy ready to load or the complete list of what is wrong with its spec. */
public record PolicyValidation(Optional<LoadedPolicy> policy, List<FieldError> errors) {

  static PolicyValidation valid(LoadedPolicy policy) {
    return new PolicyValidation(Optional.of(policy), List.of());
  }

  static PolicyValidation invalid(List<FieldError> errors) {
    return new PolicyValidation(Optional.empty(), List.copyOf(errors));
  }

  public boolean isValid() {
    return errors.isEmpty();
  }

  /** All errors in one line each, the way they appear in the Ready condition and in Events. */
  public String describeErrors() {
    return errors.stream().map(FieldError::toString).collect(Collectors.joining("; "));
  }
}
