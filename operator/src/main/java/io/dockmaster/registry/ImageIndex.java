package io.dockmaster.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An OCI image index or Docker manifest list: one manifest per platform. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageIndex(
    int schemaVersion,
    String mediaType,
    String artifactType,
    List<Descriptor> manifests,
    Descriptor subject,
    Map<String, String> annotations)
    implements ManifestContent {

  public ImageIndex {
    mediaType = mediaType == null ? "" : mediaType;
    manifests = manifests == null ? List.of() : List.copyOf(manifests);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  @Override
  public Optional<Descriptor> subjectIfSet() {
    return Optional.ofNullable(subject);
  }

  /**
   * The manifest a node of {@code platform} would run, chosen like containerd does: the first entry
   * matching the best compatible platform wins; entries without a platform and attestation entries
   * ({@code unknown/unknown}) never match.
   */
  public Optional<Descriptor> select(Platform platform) {
    for (Platform candidate : platform.compatible()) {
      for (Descriptor entry : manifests) {
        Platform entryPlatform = entry.platform();
        if (entryPlatform != null
            && !entryPlatform.isUnknown()
            && entryPlatform.matches(candidate)) {
          return Optional.of(entry);
        }
      }
    }
    return Optional.empty();
  }

  /** Every image entry with a real platform, skipping attestations and platform-less entries. */
  public List<Descriptor> platformManifests() {
    return manifests.stream()
        .filter(d -> d.platform() != null && !d.platform().isUnknown())
        .toList();
  }
}
