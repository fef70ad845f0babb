package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResolvedImage {

  @JsonPropertyDescription("The image as written in spec.images, normalized.")
  private String reference;

  @JsonPropertyDescription("The digest the reference resolved to (a manifest or an index).")
  private String digest;

  @JsonPropertyDescription("Platforms resolved (os/architecture[/variant]).")
  private List<String> platforms = new ArrayList<>();

  @JsonPropertyDescription("Distinct layers across the resolved platforms.")
  private Integer layers;

  @JsonPropertyDescription("Bytes of those layers and configs, each counted once.")
  private Long bytes;

  @JsonPropertyDescription(
      "Selected nodes that hold every blob of this image for their platform, of status.nodes.desired.")
  private Integer nodesComplete;

  public String getReference() {
    return reference;
  }

  public void setReference(String reference) {
    this.reference = reference;
  }

  public String getDigest() {
    return digest;
  }

  public void setDigest(String digest) {
    this.digest = digest;
  }

  public List<String> getPlatforms() {
    return platforms;
  }

  public void setPlatforms(List<String> platforms) {
    this.platforms = platforms;
  }

  public Integer getLayers() {
    return layers;
  }

  public void setLayers(Integer layers) {
    this.layers = layers;
  }

  public Integer getNodesComplete() {
    return nodesComplete;
  }

  public void setNodesComplete(Integer nodesComplete) {
    this.nodesComplete = nodesComplete;
  }

  public Long getBytes() {
    return bytes;
  }

  public void setBytes(Long bytes) {
    this.bytes = bytes;
  }
}
