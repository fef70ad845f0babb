package io.dockmaster.distribution;

import io.dockmaster.registry.Descriptor;

/**
 * A blob nodes should hold, and a repository on the upstream registry it can be fetched from
 * (registries serve a blob only under a repository that references it).
 */
public record WantedBlob(Descriptor descriptor, String repository) {}
