package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImageMirrorSpec {

  /** Go-style durations as Kubernetes users write them, e.g. 90s, 15m, 1h30m. */
  public static final String DURATION_PATTERN = "^([0-9]+(ms|s|m|h))+$";

  @JsonPropertyDescription("The registry the images come from, and how to reach it.")
  @Required
  private UpstreamRegistry upstream;

  @JsonPropertyDescription(
      "Images to prefetch, by tag or digest: repository paths on the upstream registry"
          + " (team/app:1.4, library/nginx@sha256:...) or full references whose registry is the"
          + " upstream one (registry.example.com/team/app:1.4).")
  @Required
  @Size(min = 1, max = 256)
  private List<String> images = new ArrayList<>();

  @JsonPropertyDescription(
      "Nodes to prefetch onto, by label. Empty selects every node that runs a Dockmaster agent.")
  private LabelSelector nodeSelector;

  @JsonPropertyDescription(
      "How often tags are resolved again, so that a tag moved upstream is prefetched, e.g. 15m or"
          + " 1h.")
  @Default("15m")
  @Pattern(DURATION_PATTERN)
  private String refreshInterval = "15m";

  @JsonPropertyDescription("Limits on how layers travel to and between nodes.")
  private DistributionSettings distribution;

  @JsonPropertyDescription(
      "Make each node's containerd pull the upstream registry through the node's Dockmaster agent"
          + " (a hosts.toml mirror entry), so pods start from the prefetched layers.")
  @Default("false")
  private Boolean mirrorRuntime = false;

  public UpstreamRegistry getUpstream() {
    return upstream;
  }

  public void setUpstream(UpstreamRegistry upstream) {
    this.upstream = upstream;
  }

  public List<String> getImages() {
    return images;
  }

  public void setImages(List<String> images) {
    this.images = images;
  }

  public LabelSelector getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(LabelSelector nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public String getRefreshInterval() {
    return refreshInterval;
  }

  public void setRefreshInterval(String refreshInterval) {
    this.refreshInterval = refreshInterval;
  }

  public DistributionSettings getDistribution() {
    return distribution;
  }

  public void setDistribution(DistributionSettings distribution) {
    this.distribution = distribution;
  }

  public Boolean getMirrorRuntime() {
    return mirrorRuntime;
  }

  public void setMirrorRuntime(Boolean mirrorRuntime) {
    this.mirrorRuntime = mirrorRuntime;
  }
}
