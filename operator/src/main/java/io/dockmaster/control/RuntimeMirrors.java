package io.dockmaster.control;

import java.util.List;
import java.util.Map;

/**
 * Registries whose pulls the node's containerd should send to this agent first, with the tags the
 * operator resolved so the agent can answer containerd's tag lookups without asking upstream.
 */
public record RuntimeMirrors(List<MirroredRegistry> registries) {

  public RuntimeMirrors {
    registries = registries == null ? List.of() : List.copyOf(registries);
  }

  /**
   * @param plainHttp the registry itself speaks plain HTTP (containerd's fallback target)
   * @param tags "repository:tag" → manifest digest, as last resolved upstream
   */
  public record MirroredRegistry(String registry, boolean plainHttp, Map<String, String> tags) {

    public MirroredRegistry {
      tags = tags == null ? Map.of() : Map.copyOf(tags);
    }
  }
}
