package io.dockmaster.mirror;

import io.dockmaster.api.v1alpha1.ResolvedImage;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.MediaTypes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One image as resolved upstream, down to the blobs: for each platform it provides, everything a
 * node of that platform needs to run it without asking the registry — the top manifest (an index or
 * a manifest), the platform's manifest, its config and its layers, in that order.
 *
 * @param blobsByPlatform "os/arch[/variant]" → blobs, in the index's order; a plain manifest's
 *     blobs under {@link io.dockmaster.distribution.DistributionTarget#ANY_PLATFORM}
 * @param platforms the platforms as the image declares them, for status
 */
public record ImageContent(
    ImageReference reference,
    Descriptor top,
    Map<String, List<Descriptor>> blobsByPlatform,
    List<String> platforms) {

  public ImageContent {
    blobsByPlatform = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(blobsByPlatform));
  }

  /** The summary status shows: layers and bytes across platforms, each blob counted once. */
  public ResolvedImage status() {
    Map<Digest, Long> layers = new LinkedHashMap<>();
    Map<Digest, Long> configs = new LinkedHashMap<>();
    for (List<Descriptor> blobs : blobsByPlatform.values()) {
      for (Descriptor blob : blobs) {
        if (isLayer(blob)) {
          layers.put(blob.digest(), blob.size());
        } else if (isConfig(blob)) {
          configs.put(blob.digest(), blob.size());
        }
      }
    }
    ResolvedImage resolved = new ResolvedImage();
    resolved.setReference(reference.toString());
    resolved.setDigest(top.digest().toString());
    resolved.setPlatforms(new ArrayList<>(platforms));
    resolved.setLayers(layers.size());
    resolved.setBytes(sum(layers) + sum(configs));
    return resolved;
  }

  private static boolean isConfig(Descriptor blob) {
    return blob.mediaType().endsWith("config.v1+json")
        || blob.mediaType().equals("application/vnd.docker.container.image.v1+json");
  }

  private static boolean isLayer(Descriptor blob) {
    return !isConfig(blob) && !isManifest(blob.mediaType());
  }

  private static boolean isManifest(String mediaType) {
    return MediaTypes.isManifest(mediaType) || MediaTypes.isIndex(mediaType);
  }

  private static long sum(Map<Digest, Long> sizes) {
    return sizes.values().stream().mapToLong(Long::longValue).sum();
  }
}
