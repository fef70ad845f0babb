package io.dockmaster.mirror;

import io.dockmaster.api.v1alpha1.SecretReference;
import io.dockmaster.registry.ImageReference;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A validated {@code ImageMirror} spec: normalized references on the upstream registry.
 *
 * @param images in the order of {@code spec.images}, duplicates removed
 */
public record MirrorTarget(
    String registry,
    boolean insecure,
    Optional<SecretReference> credentials,
    List<ImageReference> images,
    Duration refreshInterval) {}
