package io.dockmaster.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Changes a cluster-scoped resource's spec as {@code kubectl patch --type merge} does: the new spec
 * alone, without a resourceVersion. fabric8's {@code edit} sends the resourceVersion it read (since
 * client 6.5), so a status write by the operator between its read and its patch failed tests with
 * 409.
 */
public final class SpecPatch {

  private SpecPatch() {}

  public static <T extends HasMetadata, S> void patchSpec(
      KubernetesClient client,
      Class<T> type,
      String name,
      Function<T, S> spec,
      Consumer<S> change) {
    var resource = client.resources(type).withName(name);
    T current = resource.get();
    S changed = spec.apply(current);
    change.accept(changed);
    resource.patch(
        PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("spec", changed)));
  }
}
