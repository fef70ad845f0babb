package io.dockmaster.policy;

import io.dockmaster.registry.Digest;
import io.dockmaster.registry.Platform;
import java.util.List;
import java.util.Optional;

/**
 * What admission needs to know about one image digest: the platforms it provides and the user each
 * runs as. Immutable for a digest, so it can be cached by digest for as long as memory allows.
 */
public record ImageFacts(Digest digest, List<PlatformImage> platforms) {

  /**
   * @param user the image config's {@code User}, empty when the image does not set one (root)
   */
  public record PlatformImage(Platform platform, String user) {}

  public ImageFacts {
    platforms = List.copyOf(platforms);
  }

  /** The image a node of {@code platform} would run, chosen the way containerd chooses. */
  public Optional<PlatformImage> forPlatform(Platform platform) {
    for (Platform candidate : platform.compatible()) {
      for (PlatformImage image : platforms) {
        if (image.platform().equals(candidate)) {
          return Optional.of(image);
        }
      }
    }
    return Optional.empty();
  }
}
