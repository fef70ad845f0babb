package io.dockmaster.mirror;

import io.dockmaster.api.v1alpha1.ResolvedImage;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.dockmaster.registry.FetchedManifest;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.Manifest;
import io.dockmaster.registry.RegistryClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves one image upstream to its digest and the blobs a node needs for it: the config and
 * layers of every platform the image provides, each counted once however many platforms share it.
 */
public final class ImageResolver {

  public ResolvedImage resolve(RegistryClient client, ImageReference reference) {
    FetchedManifest top = client.fetchManifest(reference);
    Map<Digest, Long> layers = new LinkedHashMap<>();
    Map<Digest, Long> configs = new LinkedHashMap<>();
    List<String> platforms = new ArrayList<>();
    if (top.index().isPresent()) {
      for (Descriptor entry : top.index().get().platformManifests()) {
        FetchedManifest child = client.fetchManifest(reference.withDigest(entry.digest()));
        // Nested indexes are not images a node runs; their platform is not provided.
        if (child.manifest().isPresent()) {
          collect(child.manifest().get(), layers, configs);
          platforms.add(entry.platform().toString());
        }
      }
    } else {
      Manifest manifest = top.manifest().orElseThrow();
      collect(manifest, layers, configs);
      platforms.add(client.fetchConfig(reference, manifest).platform().toString());
    }
    ResolvedImage resolved = new ResolvedImage();
    resolved.setReference(reference.toString());
    resolved.setDigest(top.digest().toString());
    resolved.setPlatforms(platforms);
    resolved.setLayers(layers.size());
    resolved.setBytes(sum(layers) + sum(configs));
    return resolved;
  }

  private static void collect(
      Manifest manifest, Map<Digest, Long> layers, Map<Digest, Long> configs) {
    if (manifest.config() != null) {
      configs.put(manifest.config().digest(), manifest.config().size());
    }
    manifest.layers().forEach(layer -> layers.put(layer.digest(), layer.size()));
  }

  private static long sum(Map<Digest, Long> sizes) {
    return sizes.values().stream().mapToLong(Long::longValue).sum();
  }
}
