package io.dockmaster.audit;

import io.dockmaster.admission.NamespaceLabels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Queue;

/**
 * Lists workloads cluster-wide, a page at a time: a busy cluster's pods do not all sit in memory,
 * and an audit that stops at a limit stops listing too. Needs list on the audited kinds and on
 * namespaces in all namespaces.
 */
public final class ClusterWorkloads implements RunningWorkloads {

  private static final long PAGE_SIZE = 250;

  private final KubernetesClient client;

  public ClusterWorkloads(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Map<String, Map<String, String>> namespaces() {
    Map<String, Map<String, String>> namespaces = new HashMap<>();
    for (Namespace namespace : client.namespaces().list().getItems()) {
      String name = namespace.getMetadata().getName();
      Map<String, String> labels = new HashMap<>();
      if (namespace.getMetadata().getLabels() != null) {
        labels.putAll(namespace.getMetadata().getLabels());
      }
      labels.put(NamespaceLabels.NAME_LABEL, name);
      namespaces.put(name, Map.copyOf(labels));
    }
    return namespaces;
  }

  @Override
  public Iterator<? extends HasMetadata> list(Class<? extends HasMetadata> kind) {
    return new Pages<>(kind);
  }

  private final class Pages<T extends HasMetadata> implements Iterator<T> {
    private final Class<T> kind;
    private final Queue<T> page = new ArrayDeque<>();
    private String continueToken;
    private boolean last;

    Pages(Class<T> kind) {
      this.kind = kind;
    }

    @Override
    public boolean hasNext() {
      while (page.isEmpty() && !last) {
        KubernetesResourceList<T> next =
            client
                .resources(kind)
                .inAnyNamespace()
                .list(
                    new ListOptionsBuilder()
                        .withLimit(PAGE_SIZE)
                        .withContinue(continueToken)
                        .build());
        page.addAll(next.getItems());
        continueToken = next.getMetadata() == null ? null : next.getMetadata().getContinue();
        last = continueToken == null || continueToken.isEmpty();
      }
      return !page.isEmpty();
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return page.remove();
    }
  }
}
