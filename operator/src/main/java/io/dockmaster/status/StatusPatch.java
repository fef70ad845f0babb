package io.dockmaster.status;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import java.util.function.Supplier;

/**
 * A fresh object that carries only a resource's identity and its new status: patching the status
 * subresource with it can neither touch the spec nor fight other writers over metadata.
 */
public final class StatusPatch {

  private StatusPatch() {}

  public static <S, R extends CustomResource<?, S>> R of(
      R resource, S status, Supplier<R> emptyResource) {
    R patch = emptyResource.get();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(resource.getMetadata().getName())
            .withNamespace(resource.getMetadata().getNamespace())
            .build());
    patch.setStatus(status);
    return patch;
  }
}
