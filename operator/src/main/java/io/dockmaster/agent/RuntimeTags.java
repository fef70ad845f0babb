package io.dockmaster.agent;

import io.dockmaster.control.RuntimeMirrors;
import io.dockmaster.control.RuntimeMirrors.MirroredRegistry;
import io.dockmaster.registry.Digest;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Tags the operator resolved, per registry, so containerd's resolve request for a mirrored image is
 * answered by the agent; anything else is a fast 404 and containerd asks upstream itself.
 */
final class RuntimeTags {

  private volatile Map<String, Map<String, String>> tagsByRegistry = Map.of();

  void replace(RuntimeMirrors mirrors) {
    tagsByRegistry =
        mirrors.registries().stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    MirroredRegistry::registry, MirroredRegistry::tags, (a, b) -> a));
  }

  Optional<Digest> lookup(String registry, String repository, String tag) {
    if (registry == null) {
      return Optional.empty();
    }
    String digest = tagsByRegistry.getOrDefault(registry, Map.of()).get(repository + ":" + tag);
    return Optional.ofNullable(digest).map(Digest::parse);
  }
}
