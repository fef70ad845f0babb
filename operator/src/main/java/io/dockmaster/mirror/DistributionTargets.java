package io.dockmaster.mirror;

import io.dockmaster.api.v1alpha1.DistributionSettings;
import io.dockmaster.api.v1alpha1.ImageMirror;
import io.dockmaster.control.UpstreamAccess;
import io.dockmaster.distribution.DistributionTarget;
import io.dockmaster.distribution.WantedBlob;
import io.dockmaster.registry.Descriptor;
import io.dockmaster.registry.Digest;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Turns a mirror and its resolution into the work the distribution coordinator does. */
final class DistributionTargets {

  static DistributionTarget of(
      ImageMirror mirror, MirrorTarget target, ResolutionRun run, UpstreamAccess upstream) {
    Map<String, List<WantedBlob>> byPlatform = new LinkedHashMap<>();
    Map<String, Set<Digest>> seen = new LinkedHashMap<>();
    Map<String, String> tags = new LinkedHashMap<>();
    Map<String, Map<String, Set<Digest>>> byImage = new LinkedHashMap<>();
    for (ImageContent image : run.contents()) {
      Map<String, Set<Digest>> imageBlobs = new LinkedHashMap<>();
      image
          .blobsByPlatform()
          .forEach(
              (platform, blobs) ->
                  imageBlobs.put(
                      platform,
                      blobs.stream()
                          .map(Descriptor::digest)
                          .collect(java.util.stream.Collectors.toSet())));
      byImage.put(image.reference().toString(), imageBlobs);
      String repository = image.reference().repository();
      image
          .reference()
          .tag()
          .ifPresent(tag -> tags.put(repository + ":" + tag, image.top().digest().toString()));
      image
          .blobsByPlatform()
          .forEach(
              (platform, blobs) -> {
                Set<Digest> platformSeen =
                    seen.computeIfAbsent(platform, p -> new LinkedHashSet<>());
                List<WantedBlob> wanted =
                    byPlatform.computeIfAbsent(platform, p -> new ArrayList<>());
                for (Descriptor blob : blobs) {
                  if (platformSeen.add(blob.digest())) {
                    wanted.add(new WantedBlob(blob, repository));
                  }
                }
              });
    }
    DistributionSettings settings = mirror.getSpec().getDistribution();
    int streams =
        settings == null || settings.getMaxUpstreamStreams() == null
            ? 2
            : settings.getMaxUpstreamStreams();
    boolean runtime = Boolean.TRUE.equals(mirror.getSpec().getMirrorRuntime());
    return new DistributionTarget(
        mirror.getMetadata().getUid(),
        mirror.getMetadata().getName(),
        mirror.getMetadata().getGeneration() == null ? 0 : mirror.getMetadata().getGeneration(),
        upstream,
        byPlatform,
        Optional.ofNullable(mirror.getSpec().getNodeSelector()),
        streams,
        bytesPerSecond(settings == null ? null : settings.getUploadBandwidth()),
        bytesPerSecond(settings == null ? null : settings.getDownloadBandwidth()),
        runtime,
        runtime ? tags : Map.of(),
        byImage);
  }

  /** The spec's quantity (validated by MirrorSpecValidator) in bytes per second; 0 for none. */
  private static long bytesPerSecond(Quantity quantity) {
    return quantity == null ? 0 : Quantity.getAmountInBytes(quantity).longValue();
  }

  private DistributionTargets() {}
}
