package io.dockmaster.admission;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Namespace labels from an informer, so admission costs no API call. No label selector, unlike our
 * other informers: a policy may select namespaces by any label.
 */
public final class NamespaceLabelCache implements NamespaceLabels, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NamespaceLabelCache.class);

  private final KubernetesClient client;
  private final SharedIndexInformer<Namespace> informer;

  private NamespaceLabelCache(KubernetesClient client, SharedIndexInformer<Namespace> informer) {
    this.client = client;
    this.informer = informer;
  }

  /** Starts the informer and waits until it has listed every namespace. */
  public static NamespaceLabelCache start(KubernetesClient client, Duration syncTimeout) {
    SharedIndexInformer<Namespace> informer = client.namespaces().runnableInformer(0);
    try {
      informer.start().toCompletableFuture().get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      informer.close();
      throw new IllegalStateException("interrupted while listing namespaces", e);
    } catch (ExecutionException | TimeoutException e) {
      informer.close();
      throw new IllegalStateException(
          "cannot list and watch namespaces within "
              + syncTimeout.toSeconds()
              + "s; the operator's role needs get, list and watch on namespaces",
          e);
    }
    return new NamespaceLabelCache(client, informer);
  }

  @Override
  public Map<String, String> of(String namespace) {
    Namespace found = informer.getStore().getByKey(namespace);
    if (found == null) {
      // A namespace created a moment ago may not have reached the informer yet; its pods may
      // already be arriving, and judging them without its labels could pick the wrong policies.
      found = fetch(namespace);
    }
    Map<String, String> labels = new HashMap<>();
    if (found != null && found.getMetadata().getLabels() != null) {
      labels.putAll(found.getMetadata().getLabels());
    }
    labels.put(NAME_LABEL, namespace);
    return Map.copyOf(labels);
  }

  private Namespace fetch(String namespace) {
    try {
      return client.namespaces().withName(namespace).get();
    } catch (KubernetesClientException e) {
      log.warn("cannot read namespace {} for its labels: {}", namespace, e.getMessage());
      throw new UnreviewableRequestException(
          "cannot read the labels of namespace " + namespace + " to choose the policies; retry",
          true,
          e);
    }
  }

  @Override
  public void close() {
    informer.close();
  }
}
