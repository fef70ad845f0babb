package io.dockmaster.mirror;

import io.dockmaster.distribution.DistributionTarget;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.FetchedManifest;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.Manifest;
import io.dockmaster.registry.RegistryClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves one image upstream to its digest and the blobs a node needs for it, per platform the
 * image provides.
 */
public final class ImageResolver {

  public ImageContent resolve(RegistryClient client, ImageReference reference) {
    FetchedManifest top = client.fetchManifest(reference);
    Map<String, List<Descriptor>> byPlatform = new LinkedHashMap<>();
    if (top.index().isPresent()) {
      for (Descriptor entry : top.index().get().platformManifests()) {
        FetchedManifest child = client.fetchManifest(reference.withDigest(entry.digest()));
        // Nested indexes are not images a node runs; their platform is not provided.
        if (child.manifest().isPresent()) {
          List<Descriptor> blobs = new ArrayList<>();
          blobs.add(top.descriptor());
          blobs.add(child.descriptor());
          collect(child.manifest().get(), blobs);
          byPlatform.putIfAbsent(entry.platform().toString(), blobs);
        }
      }
    } else {
      Manifest manifest = top.manifest().orElseThrow();
      List<Descriptor> blobs = new ArrayList<>();
      blobs.add(top.descriptor());
      collect(manifest, blobs);
      // A plain manifest is what every node pulls, whatever it runs: it goes to all of them.
      byPlatform.put(DistributionTarget.ANY_PLATFORM, blobs);
      String declared = client.fetchConfig(reference, manifest).platform().toString();
      // An image built without os/architecture in its config declares no platform at all.
      List<String> platforms = declared.equals("/") ? List.of() : List.of(declared);
      return new ImageContent(reference, top.descriptor(), byPlatform, platforms);
    }
    return new ImageContent(
        reference, top.descriptor(), byPlatform, List.copyOf(byPlatform.keySet()));
  }

  private static void collect(Manifest manifest, List<Descriptor> blobs) {
    if (manifest.config() != null) {
      blobs.add(manifest.config());
    }
    blobs.addAll(manifest.layers());
  }
}
