package io.dockmaster.audit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A cluster in memory; kinds (or namespaces) can be made unlistable, as RBAC would. */
final class InMemoryWorkloads implements RunningWorkloads {

  private final Map<String, Map<String, String>> namespaces = new LinkedHashMap<>();
  private final List<HasMetadata> objects = new ArrayList<>();
  private final Map<Class<?>, KubernetesClientException> refused = new HashMap<>();
  private KubernetesClientException namespacesRefused;
  final List<Class<?>> listed = new ArrayList<>();

  InMemoryWorkloads namespace(String name, String... labels) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      map.put(labels[i], labels[i + 1]);
    }
    map.put("kubernetes.io/metadata.name", name);
    namespaces.put(name, Map.copyOf(map));
    return this;
  }

  InMemoryWorkloads add(HasMetadata... added) {
    objects.addAll(List.of(added));
    return this;
  }

  InMemoryWorkloads refuse(Class<? extends HasMetadata> kind) {
    refused.put(kind, forbidden());
    return this;
  }

  InMemoryWorkloads refuseNamespaces() {
    namespacesRefused = forbidden();
    return this;
  }

  @Override
  public Map<String, Map<String, String>> namespaces() {
    if (namespacesRefused != null) {
      throw namespacesRefused;
    }
    return namespaces;
  }

  @Override
  public Iterator<? extends HasMetadata> list(Class<? extends HasMetadata> kind) {
    listed.add(kind);
    if (refused.containsKey(kind)) {
      throw refused.get(kind);
    }
    return objects.stream().filter(kind::isInstance).toList().iterator();
  }

  private static KubernetesClientException forbidden() {
    return new KubernetesClientException("Forbidden", 403, null);
  }
}
