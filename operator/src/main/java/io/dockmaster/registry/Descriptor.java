package io.dockmaster.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Points at content by digest: what a registry returns for a resolved tag, and what manifests and
 * indexes list for their config, layers and children.
 *
 * @param platform set on the entries of an index, {@code null} elsewhere
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    Platform platform,
    String artifactType,
    Map<String, String> annotations,
    List<String> urls) {

  public Descriptor {
    if (digest == null) {
      throw new IllegalArgumentException("a descriptor needs a digest");
    }
    if (size < 0) {
      throw new IllegalArgumentException("descriptor size must not be negative: " + size);
    }
    mediaType = mediaType == null ? "" : mediaType;
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    urls = urls == null ? List.of() : List.copyOf(urls);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, null, null, null, null);
  }

  public Optional<Platform> platformIfSet() {
    return Optional.ofNullable(platform);
  }
}
