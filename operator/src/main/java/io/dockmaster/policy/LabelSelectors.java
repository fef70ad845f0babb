package io.dockmaster.policy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/** Kubernetes label selector semantics, as the API server applies them. */
final class LabelSelectors {

  private LabelSelectors() {}

  /** An absent or empty selector selects everything. */
  static boolean isEmpty(LabelSelector selector) {
    return selector == null
        || ((selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
            && (selector.getMatchExpressions() == null
                || selector.getMatchExpressions().isEmpty()));
  }

  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (isEmpty(selector)) {
      return true;
    }
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> required : selector.getMatchLabels().entrySet()) {
        if (!required.getValue().equals(labels.get(required.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
        if (!matches(requirement, labels)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean matches(LabelSelectorRequirement requirement, Map<String, String> labels) {
    String value = labels.get(requirement.getKey());
    List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
    return switch (requirement.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      // An operator the API server would have refused selects nothing: fail closed.
      default -> false;
    };
  }

  /**
   * Whether the selector names {@code namespace} by its {@code kubernetes.io/metadata.name} label,
   * which the API server sets and no tenant can change.
   */
  static boolean namesNamespace(LabelSelector selector, String namespace) {
    if (selector == null) {
      return false;
    }
    if (selector.getMatchLabels() != null
        && namespace.equals(selector.getMatchLabels().get(NAMESPACE_NAME_LABEL))) {
      return true;
    }
    return selector.getMatchExpressions() != null
        && selector.getMatchExpressions().stream()
            .anyMatch(
                r ->
                    NAMESPACE_NAME_LABEL.equals(r.getKey())
                        && "In".equals(r.getOperator())
                        && r.getValues() != null
                        && r.getValues().contains(namespace));
  }

  static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
}
