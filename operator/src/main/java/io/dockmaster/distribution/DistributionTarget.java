package io.dockmaster.distribution;

import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.registry.Digest;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one ImageMirror generation wants on its nodes.
 *
 * @param owner the ImageMirror's UID: pins and runs are keyed by it
 * @param blobsByPlatform "os/arch[/variant]" → every blob a node of that platform needs, each once
 * @param runtimeTags "repository:tag" → manifest digest, for the runtime mirror; empty unless the
 *     mirror sets mirrorRuntime
 * @param uploadBytesPerSecond per-node cap on sending this mirror's blobs to peers, 0 for none
 * @param downloadBytesPerSecond per-node cap on receiving this mirror's blobs, 0 for none
 * @param blobsByImage image reference → platform → its blobs, to count nodes per image
 * @param mirrorRuntime whether nodes' containerd should pull the upstream through their agent
 */
public record DistributionTarget(
    String owner,
    String name,
    long generation,
    UpstreamAccess upstream,
    Map<String, List<WantedBlob>> blobsByPlatform,
    Optional<LabelSelector> nodeSelector,
    int maxUpstreamStreams,
    long uploadBytesPerSecond,
    long downloadBytesPerSecond,
    boolean mirrorRuntime,
    Map<String, String> runtimeTags,
    Map<String, Map<String, Set<Digest>>> blobsByImage) {

  /** Blobs every node needs whatever its platform: those of single-platform images. */
  public static final String ANY_PLATFORM = "*";

  public DistributionTarget {
    blobsByPlatform = Map.copyOf(blobsByPlatform);
    runtimeTags = Map.copyOf(runtimeTags);
    blobsByImage = Map.copyOf(blobsByImage);
  }

  /** The blobs of one image a node of this platform needs; empty if it provides none. */
  public Set<Digest> imageBlobsFor(String image, String platform) {
    Map<String, Set<Digest>> byPlatform = blobsByImage.getOrDefault(image, Map.of());
    Set<Digest> blobs = new java.util.HashSet<>(byPlatform.getOrDefault(platform, Set.of()));
    blobs.addAll(byPlatform.getOrDefault(ANY_PLATFORM, Set.of()));
    return blobs;
  }

  /** Whether a node of this platform has anything to receive. */
  public boolean provides(String platform) {
    return blobsByPlatform.containsKey(platform) || blobsByPlatform.containsKey(ANY_PLATFORM);
  }

  /** What a node of this platform needs, each blob once. */
  public List<WantedBlob> blobsFor(String platform) {
    Map<Digest, WantedBlob> blobs = new LinkedHashMap<>();
    for (String key : List.of(platform, ANY_PLATFORM)) {
      for (WantedBlob blob : blobsByPlatform.getOrDefault(key, List.of())) {
        blobs.putIfAbsent(blob.descriptor().digest(), blob);
      }
    }
    return List.copyOf(blobs.values());
  }

  /** Same blobs, nodes and limits: a run in progress for the old target can simply continue. */
  public boolean sameWorkAs(DistributionTarget other) {
    return other != null
        && blobsByPlatform.equals(other.blobsByPlatform)
        && nodeSelector.equals(other.nodeSelector)
        && maxUpstreamStreams == other.maxUpstreamStreams
        && uploadBytesPerSecond == other.uploadBytesPerSecond
        && downloadBytesPerSecond == other.downloadBytesPerSecond
        && upstream.equals(other.upstream)
        && mirrorRuntime == other.mirrorRuntime
        && runtimeTags.equals(other.runtimeTags);
  }
}
