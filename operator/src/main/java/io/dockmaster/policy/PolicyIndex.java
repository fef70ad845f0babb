package io.dockmaster.policy;

import io.dockmaster.api.v1alpha1.ImagePolicy;
import io.dockmaster.validation.Validated;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policies in force, as admission sees them, on every replica: fed by its own informer rather
 * than by the reconciler, because only the leader reconciles while every replica answers admission
 * requests. A version enters only after validation, so an invalid update leaves the previous valid
 * version of the same object in force; a deleted or re-created object takes its versions with it.
 */
public final class PolicyIndex implements ResourceEventHandler<ImagePolicy>, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PolicyIndex.class);

  /** Key Secrets are not watched; a resync re-validates, so a rotated key takes effect. */
  private static final Duration RESYNC = Duration.ofMinutes(5);

  private final PolicyValidator validator;
  private final Map<String, LoadedPolicy> byName = new ConcurrentHashMap<>();
  private volatile SharedIndexInformer<ImagePolicy> informer;

  public PolicyIndex(PolicyValidator validator) {
    this.validator = validator;
  }

  /** Starts watching; returns once the initial list has been loaded. */
  public PolicyIndex start(KubernetesClient client) {
    informer = client.resources(ImagePolicy.class).inform(this, RESYNC.toMillis());
    return this;
  }

  public boolean isSynced() {
    return informer != null && informer.hasSynced();
  }

  /** The version of the policy with this name and uid that is in force, if any. */
  public Optional<LoadedPolicy> inForce(String name, String uid) {
    return Optional.ofNullable(byName.get(name)).filter(p -> p.uid().equals(uid));
  }

  public Collection<LoadedPolicy> all() {
    return List.copyOf(byName.values());
  }

  @Override
  public void onAdd(ImagePolicy policy) {
    load(policy);
  }

  @Override
  public void onUpdate(ImagePolicy previous, ImagePolicy policy) {
    load(policy);
  }

  @Override
  public void onDelete(ImagePolicy policy, boolean finalStateUnknown) {
    byName.computeIfPresent(
        policy.getMetadata().getName(),
        (name, loaded) -> loaded.uid().equals(policy.getMetadata().getUid()) ? null : loaded);
  }

  void load(ImagePolicy policy) {
    String name = policy.getMetadata().getName();
    String uid = policy.getMetadata().getUid();
    Validated<LoadedPolicy> validation;
    try {
      validation = validator.validate(policy);
    } catch (RuntimeException e) {
      // Keep what is in force; the reconciler reports the failure in status.
      log.warn("could not validate ImagePolicy {}: {}", name, e.getMessage());
      return;
    }
    if (validation.value().isPresent()) {
      byName.put(name, validation.value().get());
    } else {
      // A re-created object must not inherit the rules of its deleted namesake.
      byName.computeIfPresent(name, (n, loaded) -> loaded.uid().equals(uid) ? loaded : null);
    }
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
