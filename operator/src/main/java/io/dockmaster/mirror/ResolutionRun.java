package io.dockmaster.mirror;

import io.dockmaster.api.v1alpha1.ResolvedImage;
import io.dockmaster.registry.ImageReference;
import io.dockmaster.registry.RegistryException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The outcome of resolving a mirror's images once: what resolved, what failed and why.
 *
 * @param failures in the order of {@code spec.images}
 */
public record ResolutionRun(
    Instant started,
    Instant finished,
    List<ImageContent> contents,
    Map<ImageReference, RegistryException> failures) {

  public List<ResolvedImage> resolved() {
    return contents.stream().map(ImageContent::status).toList();
  }

  public boolean complete() {
    return failures.isEmpty();
  }
}
