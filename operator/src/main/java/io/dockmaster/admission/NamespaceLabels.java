package io.dockmaster.admission;

import java.util.Map;

/** The labels of a namespace, which policies select on. */
public interface NamespaceLabels {

  /**
   * The API server sets this label to the namespace's own name and tenants cannot change it, so
   * policies and the webhook's namespaceSelector can trust it.
   */
  String NAME_LABEL = "kubernetes.io/metadata.name";

  /**
   * The namespace's labels, always including {@link #NAME_LABEL}; only that label when the
   * namespace is unknown.
   */
  Map<String, String> of(String namespace);
}
