package io.dockmaster.audit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Iterator;
import java.util.Map;

/** Where the audit finds what runs: the API server, or memory in tests. */
public interface RunningWorkloads {

  /**
   * Every namespace with its labels, each including {@code kubernetes.io/metadata.name}.
   *
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when they cannot be listed
   */
  Map<String, Map<String, String>> namespaces();

  /**
   * Every object of this kind in every namespace. Lazy, so an audit that stops early does not read
   * the rest of a large cluster.
   *
   * @throws io.fabric8.kubernetes.client.KubernetesClientException from the iterator too, when a
   *     page cannot be listed
   */
  Iterator<? extends HasMetadata> list(Class<? extends HasMetadata> kind);
}
