package io.dockmaster.policy;

import java.util.Map;
import java.util.Set;

/**
 * Which namespaces a policy governs: those its namespaceSelector matches, except that the exempt
 * namespaces (the operator's own and kube-system) are governed only when the selector names them by
 * {@code kubernetes.io/metadata.name}. The same rule as {@link PolicyEvaluator}'s, for callers that
 * need the scope without a pod to judge.
 */
public final class PolicyScope {

  private final Set<String> exemptNamespaces;

  public PolicyScope(Set<String> exemptNamespaces) {
    this.exemptNamespaces = Set.copyOf(exemptNamespaces);
  }

  /**
   * @param labels the namespace's labels, including {@code kubernetes.io/metadata.name}
   */
  public boolean governs(LoadedPolicy policy, String namespace, Map<String, String> labels) {
    var selector = policy.spec().getNamespaceSelector();
    if (exemptNamespaces.contains(namespace)
        && !LabelSelectors.namesNamespace(selector, namespace)) {
      return false;
    }
    return LabelSelectors.matches(selector, labels);
  }

  public Set<String> exemptNamespaces() {
    return exemptNamespaces;
  }
}
