package io.dockmaster.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An OCI image manifest or Docker schema 2 manifest: one config blob and its layers. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Manifest(
    int schemaVersion,
    String mediaType,
    String artifactType,
    Descriptor config,
    List<Descriptor> layers,
    Descriptor subject,
    Map<String, String> annotations)
    implements ManifestContent {

  public Manifest {
    mediaType = mediaType == null ? "" : mediaType;
    layers = layers == null ? List.of() : List.copyOf(layers);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  @Override
  public Optional<Descriptor> subjectIfSet() {
    return Optional.ofNullable(subject);
  }
}
