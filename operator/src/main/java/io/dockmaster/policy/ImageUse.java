package io.dockmaster.policy;

import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.Optional;

/**
 * One place a pod spec names an image: a container of any kind, or an image volume.
 *
 * @param field JSON path from the object's root, e.g. {@code spec.template.spec.containers[1]}
 * @param securityContext the container's own; empty for volumes
 */
public record ImageUse(
    String field,
    String name,
    String image,
    Optional<SecurityContext> securityContext,
    boolean volume) {}
