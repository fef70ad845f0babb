package io.dockmaster.admission;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Namespace labels held in a map, as the informer-backed cache would serve them. */
final class InMemoryNamespaceLabels implements NamespaceLabels {

  private final Map<String, Map<String, String>> labels = new ConcurrentHashMap<>();

  InMemoryNamespaceLabels with(String namespace, Map<String, String> namespaceLabels) {
    labels.put(namespace, Map.copyOf(namespaceLabels));
    return this;
  }

  @Override
  public Map<String, String> of(String namespace) {
    Map<String, String> result = new HashMap<>(labels.getOrDefault(namespace, Map.of()));
    result.put(NAME_LABEL, namespace);
    return Map.copyOf(result);
  }
}
