package io.dockmaster.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Quantity;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DistributionSettings {

  @JsonPropertyDescription(
      "How many nodes may fetch the same layer from the upstream registry at once. Dockmaster"
          + " seeds each layer on one node and passes it on from there, so normally one does;"
          + " more appear only briefly when a seed fails and another takes over. 1 is strictest.")
  @Default("2")
  @Min(1)
  @Max(64)
  private Integer maxUpstreamStreams = 2;

  @JsonPropertyDescription(
      "Per-node cap on bytes per second a node sends to its peers, as a quantity, e.g. 100Mi."
          + " Omit for no cap.")
  private Quantity uploadBandwidth;

  @JsonPropertyDescription(
      "Per-node cap on bytes per second a node receives for prefetching, as a quantity, e.g."
          + " 200Mi. Omit for no cap.")
  private Quantity downloadBandwidth;

  public Integer getMaxUpstreamStreams() {
    return maxUpstreamStreams;
  }

  public void setMaxUpstreamStreams(Integer maxUpstreamStreams) {
    this.maxUpstreamStreams = maxUpstreamStreams;
  }

  public Quantity getUploadBandwidth() {
    return uploadBandwidth;
  }

  public void setUploadBandwidth(Quantity uploadBandwidth) {
    this.uploadBandwidth = uploadBandwidth;
  }

  public Quantity getDownloadBandwidth() {
    return downloadBandwidth;
  }

  public void setDownloadBandwidth(Quantity downloadBandwidth) {
    this.downloadBandwidth = downloadBandwidth;
  }
}
